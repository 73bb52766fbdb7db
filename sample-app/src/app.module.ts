// The sample shop: a catalogue on SQLite (or PostgreSQL) cached in Redis with nestjs-redis-cache.
import { Module } from '@nestjs/common';
import { RedisCacheModule } from 'nestjs-redis-cache';
import { CacheStatsController } from './cache/cache-stats.controller.js';
import { DatabaseModule } from './database/database.module.js';
import { ProductsController } from './products/products.controller.js';
import { ProductsService } from './products/products.service.js';

@Module({
  imports: [
    DatabaseModule,
    // forRoot() reads REDIS_URL, else redis://127.0.0.1:6379.
    RedisCacheModule.forRoot({ namespace: process.env.CACHE_NAMESPACE ?? 'shop', ttl: '10m' }),
  ],
  controllers: [ProductsController, CacheStatsController],
  providers: [ProductsService],
})
export class AppModule {}
