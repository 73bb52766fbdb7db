// The live dashboard: one self-contained HTML page (inline SVG charts, no external assets) that
// polls /dashboard/data. The root URL leads there. The page can switch the cache off and on at
// runtime (PUT /dashboard/caching) and shows the last comparison `npm run load` recorded.
import { existsSync, readFileSync } from 'node:fs';
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Put,
  Redirect,
} from '@nestjs/common';
import { objectBody } from '../common/input.js';
import { cachingOn, setCaching } from '../config/caching-switch.js';
import { LAST_LOAD_FILE, SHOP_CONFIG, type ShopConfig } from '../config/shop-config.js';
import { LiveStatsService, type LiveStats } from './live-stats.service.js';

const PAGE = readFileSync(new URL('./dashboard.html', import.meta.url), 'utf8');

@Controller()
export class DashboardController {
  constructor(
    private readonly live: LiveStatsService,
    @Inject(SHOP_CONFIG) private readonly config: ShopConfig,
  ) {}

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

  /** Body `{ "enabled": false }`: the whole shop runs without its cache until switched back on. */
  @Put('dashboard/caching')
  @HttpCode(200)
  switchCaching(@Body() body: unknown): { enabled: boolean } {
    const { enabled } = objectBody(body, ['enabled']);
    if (typeof enabled !== 'boolean')
      throw new BadRequestException('enabled must be true or false');
    setCaching(enabled);
    return { enabled: cachingOn() };
  }

  /** The comparison the last `npm run load` recorded (sample-app/data/last-load.json), or null. */
  @Get('dashboard/last-load')
  @Header('Cache-Control', 'no-store')
  lastLoad(): { report: unknown } {
    const file = this.config.lastLoadFile ?? LAST_LOAD_FILE;
    if (!existsSync(file)) return { report: null };
    return { report: JSON.parse(readFileSync(file, 'utf8')) as unknown };
  }
}
