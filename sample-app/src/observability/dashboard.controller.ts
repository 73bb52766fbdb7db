// The live dashboard: one self-contained HTML page (inline SVG charts, no external assets) that
// polls /dashboard/data. The root URL leads there.
import { readFileSync } from 'node:fs';
import { Controller, Get, Header, Redirect } from '@nestjs/common';
import { LiveStatsService, type LiveStats } from './live-stats.service.js';

const PAGE = readFileSync(new URL('./dashboard.html', import.meta.url), 'utf8');

@Controller()
export class DashboardController {
  constructor(private readonly live: LiveStatsService) {}

  @Get()
  @Redirect('/dashboard', 302)
  root(): void {}

  @Get('dashboard')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  page(): string {
    return PAGE;
  }

  @Get('dashboard/data')
  @Header('Cache-Control', 'no-store')
  data(): Promise<LiveStats> {
    return this.live.snapshot();
  }
}
