// The sample shop: a catalogue on SQLite (or PostgreSQL) cached in Redis with nestjs-redis-cache.
// Each caching pattern sits where a shop would use it; see the header of each service.
import {
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { CacheStatsInterceptor, RedisCacheModule, type Ttl } from 'nestjs-redis-cache';
import { CartsController } from './carts/carts.controller.js';
import { CartsService } from './carts/carts.service.js';
import { CatalogueService } from './catalogue/catalogue.service.js';
import { SHOP_CONFIG, type ShopConfig } from './config/shop-config.js';
import { DatabaseModule } from './database/database.module.js';
import { InventoryController } from './inventory/inventory.controller.js';
import { InventoryService } from './inventory/inventory.service.js';
import { DashboardController } from './observability/dashboard.controller.js';
import { LiveStatsService } from './observability/live-stats.service.js';
import { RequestMeter } from './observability/request-meter.js';
import { RouteNames } from './observability/route-names.js';
import { ObservabilityController } from './observability/observability.controller.js';
import { OrderWriter } from './orders/order-writer.service.js';
import { OrdersController } from './orders/orders.controller.js';
import { OrdersService } from './orders/orders.service.js';
import { ProductCardService } from './products/product-card.service.js';
import { ProductsController } from './products/products.controller.js';
import { ProductsService } from './products/products.service.js';
import { RecommendationsService } from './products/recommendations.service.js';
import { TrendingController } from './trending/trending.controller.js';
import { TrendingService } from './trending/trending.service.js';

@Module({})
export class AppModule implements NestModule {
  constructor(private readonly meter: RequestMeter) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(this.meter.middleware).forRoutes('*');
  }

  static forRoot(config: ShopConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DiscoveryModule, // RouteNames reads the routes from the controllers
        DatabaseModule.forRoot(config),
        RedisCacheModule.forRoot({
          url: config.redisUrl,
          namespace: config.namespace,
          ttl: '10m',
          // The in-process tier, for hot keys: product pages ask for it (`l1: '10s'`), stock and
          // orders opt out; instances keep each other's L1 coherent through Redis pub/sub.
          l1: { maxEntries: 20_000 },
          writeBehind: { worker: config.writeBehindWorker },
          ...(config.redisCommandTimeout
            ? { redisTimeouts: { command: config.redisCommandTimeout as Ttl } }
            : {}),
        }),
      ],
      controllers: [
        ProductsController,
        InventoryController,
        OrdersController,
        CartsController,
        TrendingController,
        ObservabilityController,
        DashboardController,
      ],
      providers: [
        { provide: SHOP_CONFIG, useValue: config },
        // Tallies hits and misses per route (the dashboard's per-handler ratios) and sets X-Cache.
        { provide: APP_INTERCEPTOR, useClass: CacheStatsInterceptor },
        // Counts requests and their time per route for the dashboard: a middleware (configure),
        // no interceptor or guard (see request-meter.ts).
        RequestMeter,
        RouteNames,
        CatalogueService,
        ProductsService,
        ProductCardService,
        RecommendationsService,
        InventoryService,
        OrdersService,
        OrderWriter,
        CartsService,
        TrendingService,
        LiveStatsService,
      ],
    };
  }
}
