// RedisCacheModule: validates the options at bootstrap and provides RedisCacheService.
import { Module, type DynamicModule, type NestModule, type OnModuleInit } from '@nestjs/common';
import { DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { CacheResponseHits } from '../http/cache-response-hits.js';
import { CacheResponseRoutes } from '../http/cache-response.routes.js';
import { CacheConfigError } from '../errors/cache-config.error.js';
import { DECORATOR_PROVIDERS } from '../decorators/decorator.providers.js';
import { KeySpace } from '../keys/key-space.js';
import { CacheStats } from '../metrics/cache-stats.js';
import { ClusterStats } from '../metrics/cluster-stats.js';
import { CacheInsight } from '../metrics/cache-insight.js';
import { RedisCacheHealthIndicator } from '../metrics/redis-cache.health-indicator.js';
import { RouteTallies } from '../metrics/route-tallies.js';
import {
  METRIC_FAMILIES_SOURCE,
  PrometheusRegistration,
} from '../metrics/prometheus-registration.js';
import { StampedeCounters } from '../metrics/stampede-counters.js';
import { ValueCounters } from '../metrics/value-counters.js';
import { LOOKUP_PROVIDERS } from '../lookup/lookup.providers.js';
import { CacheReport } from '../service/cache-report.js';
import { EntryWriter } from '../service/entry-writer.js';
import { CacheEvents } from '../events/cache-event-bus.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { RedisCacheService } from '../service/redis-cache.service.js';
import { CacheBus } from '../tiers/cache-bus.js';
import { WRITE_PROVIDERS } from '../write/write.providers.js';
import {
  ConfigurableRedisCacheModule,
  REDIS_CACHE_ASYNC_OPTIONS_TYPE,
  REDIS_CACHE_MODULE_OPTIONS,
  REDIS_CACHE_OPTIONS_TYPE,
} from './redis-cache.module-definition.js';
import type { RedisCacheModuleOptions } from './redis-cache-options.interface.js';
import { resolveOptions } from './resolve-options.js';
import { wrapRoutes, type RouteWrapper } from './route-wrapping.js';
import { RESOLVED_CACHE_OPTIONS, type ResolvedCacheOptions } from '../options/resolved-options.js';
import { CACHE_CLOCK } from '../time/clock.constants.js';

const NOT_CONFIGURED =
  'was imported without forRoot()/forRootAsync(). Import RedisCacheModule.forRoot() once, in the ' +
  'root module: it is global by default. With isGlobal: false, import it in one module that ' +
  're-exports it (`@Module({ imports: [RedisCacheModule.forRoot({ isGlobal: false })], exports: ' +
  '[RedisCacheModule] }) class CacheModule {}`) and import that module wherever the cache is used.';

@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: RESOLVED_CACHE_OPTIONS,
      // Optional, so that importing the bare class (no forRoot) fails with a message that says
      // what to do rather than Nest's missing-provider error naming an internal token.
      inject: [{ token: REDIS_CACHE_MODULE_OPTIONS, optional: true }],
      useFactory: (options: RedisCacheModuleOptions | undefined) => {
        if (options === undefined) throw new CacheConfigError('RedisCacheModule', NOT_CONFIGURED);
        return resolveOptions(options);
      },
    },
    // Every time decision injects this (a test may override it: overrideProvider(CACHE_CLOCK)).
    {
      provide: CACHE_CLOCK,
      inject: [RESOLVED_CACHE_OPTIONS],
      useFactory: (options: ResolvedCacheOptions) => options.clock,
    },
    {
      provide: KeySpace,
      inject: [RESOLVED_CACHE_OPTIONS],
      useFactory: (options: ResolvedCacheOptions) =>
        new KeySpace(options.namespace, options.maxKeyLength, options.maxTagsPerEntry),
    },
    CacheStats,
    {
      provide: CacheInsight,
      inject: [CacheEvents, RedisConnection, KeySpace, CacheStats],
      useFactory: (
        events: CacheEvents,
        connection: RedisConnection,
        keys: KeySpace,
        stats: CacheStats,
      ) => new CacheInsight(events, connection, keys, () => stats.requests.getStore()?.handler),
    },
    StampedeCounters,
    ValueCounters,
    RedisConnection,
    CacheBus,
    ...LOOKUP_PROVIDERS,
    EntryWriter,
    CacheReport,
    RedisCacheService,
    ...WRITE_PROVIDERS,
    ClusterStats,
    RedisCacheHealthIndicator,
    {
      provide: METRIC_FAMILIES_SOURCE,
      inject: [RedisCacheService],
      useFactory: (cache: RedisCacheService) => () => cache.metricFamilies(),
    },
    PrometheusRegistration,
    RouteTallies,
    CacheResponseHits,
    CacheResponseRoutes,
    ...DECORATOR_PROVIDERS,
  ],
  exports: [
    RedisCacheService,
    RedisCacheHealthIndicator,
    RESOLVED_CACHE_OPTIONS,
    CACHE_CLOCK,
    RedisConnection,
    KeySpace,
    CacheStats,
    CacheEvents,
    CacheResponseHits,
  ],
})
export class RedisCacheModule
  extends ConfigurableRedisCacheModule
  implements NestModule, OnModuleInit
{
  /** Gives the HTTP adapter its route functions back once Nest registered the routes. */
  private unwrapRoutes?: () => void;

  /** @internal Nest injects these. */
  constructor(
    private readonly routeTallies: RouteTallies,
    private readonly responseRoutes: CacheResponseRoutes,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    super();
  }

  /**
   * Nest calls this after every provider exists and before it registers the HTTP routes: where
   * the library's per-request work moves to the routes (lib/module/route-wrapping.ts).
   */
  configure(): void {
    const adapter = this.adapterHost.httpAdapter as object | undefined;
    if (!adapter) return;
    // The tally first: a global CacheStatsInterceptor leaving the pipeline lets routes serve hits.
    const tally = this.routeTallies.prepare();
    const hits = this.responseRoutes.prepare();
    // Innermost first: a hit served at the route is still tallied.
    const wrappers = [hits, tally].filter((wrap): wrap is RouteWrapper => wrap !== undefined);
    if (wrappers.length > 0) this.unwrapRoutes = wrapRoutes(adapter, wrappers);
  }

  onModuleInit(): void {
    this.unwrapRoutes?.();
    this.unwrapRoutes = undefined;
  }

  /** `forRoot()` with no argument connects to `REDIS_URL` or `redis://127.0.0.1:6379`. */
  static override forRoot(options: typeof REDIS_CACHE_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  static override forRootAsync(options: typeof REDIS_CACHE_ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.forRootAsync(options);
  }
}
