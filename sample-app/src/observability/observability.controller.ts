// Machine-readable observability: the library's statistics as JSON, and Prometheus text with the
// shop's database query counter appended.
import { Controller, Get, Header } from '@nestjs/common';
import { RedisCacheService, type CacheStatsSnapshot } from 'nestjs-redis-cache';
import { QueryCounter } from '../database/query-counter.js';

@Controller()
export class ObservabilityController {
  constructor(
    private readonly cache: RedisCacheService,
    private readonly queries: QueryCounter,
  ) {}

  @Get('cache/stats')
  stats(): CacheStatsSnapshot {
    return this.cache.stats();
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    const lines = [
      '# HELP shop_db_queries_total Queries the sample shop sent to its database.',
      '# TYPE shop_db_queries_total counter',
      ...Object.entries(this.queries.byKind()).map(
        ([kind, count]) => `shop_db_queries_total{kind="${kind}"} ${count}`,
      ),
    ];
    return `${await this.cache.metrics()}${lines.join('\n')}\n`;
  }
}
