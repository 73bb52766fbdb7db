// Cache observability routes of the shop.
import { Controller, Get } from '@nestjs/common';
import { RedisCacheService, type CacheStatsSnapshot } from 'nestjs-redis-cache';

@Controller('cache')
export class CacheStatsController {
  constructor(private readonly cache: RedisCacheService) {}

  @Get('stats')
  stats(): CacheStatsSnapshot {
    return this.cache.stats();
  }
}
