// RedisCacheModule: validates the options at bootstrap and provides RedisCacheService (and, with
// forFeature(), the named caches' services).
import {
  Inject,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type NestModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import { DecoratedMethodsExplorer } from '../decorators/decorated-methods.explorer.js';
import { CACHE_ENGINE, CACHE_ENGINES, getCacheToken } from '../engine/cache-engine.constants.js';
import { CacheEngine } from '../engine/cache-engine.js';
import { CacheEngines } from '../engine/cache-engines.js';
import { CacheConfigError } from '../errors/errors.js';
import { CacheEvents } from '../events/cache-event-bus.js';
import { CacheResponseRoutes } from '../http/cache-response.routes.js';
import { RouteTallies } from '../http/route-tallies.js';
import { RedisCacheHealthIndicator } from '../metrics/redis-cache.health-indicator.js';
import { clock as checkedClock } from '../options/option-kit.js';
import { RESOLVED_CACHE_OPTIONS, type ResolvedCacheOptions } from '../options/resolved-options.js';
import { RedisCacheService } from '../service/redis-cache.service.js';
import { systemClock } from '../time/clock.js';
import { CACHE_CLOCK } from '../time/clock.constants.js';
import type {
  RedisCacheFeatureOptions,
  RedisCacheModuleOptions,
} from '../engine/redis-cache-options.interface.js';
import { resolveOptions } from '../engine/resolve-options.js';
import {
  ConfigurableRedisCacheModule,
  REDIS_CACHE_ASYNC_OPTIONS_TYPE,
  REDIS_CACHE_MODULE_OPTIONS,
  REDIS_CACHE_OPTIONS_TYPE,
} from './redis-cache.module-definition.js';
import { wrapRoutes, type RouteWrapper } from './route-wrapping.js';

const NOT_CONFIGURED =
  'was imported without forRoot()/forRootAsync(). Import RedisCacheModule.forRoot() once, in the ' +
  'root module: it is global by default. With isGlobal: false, import it in one module that ' +
  're-exports it (`@Module({ imports: [RedisCacheModule.forRoot({ isGlobal: false })], exports: ' +
  '[RedisCacheModule] }) class CacheModule {}`) and import that module wherever the cache is used.';

/** The module of one forFeature() cache. */
@Module({})
class RedisCacheFeatureModule {}

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
    // Every time decision injects this; a test moves time with overrideProvider(CACHE_CLOCK).
    { provide: CACHE_CLOCK, useValue: systemClock },
    {
      provide: CACHE_ENGINE,
      inject: [RESOLVED_CACHE_OPTIONS, CACHE_CLOCK],
      // The clock is read once here, so one that cannot tell the time fails the start.
      useFactory: (options: ResolvedCacheOptions, clock: unknown) =>
        new CacheEngine(options, {
          logger: new Logger('RedisCache'),
          clock: checkedClock(clock, 'CACHE_CLOCK'),
        }),
    },
    {
      provide: CACHE_ENGINES,
      inject: [CACHE_ENGINE, { token: REDIS_CACHE_MODULE_OPTIONS, optional: true }],
      useFactory: (engine: CacheEngine, options: RedisCacheModuleOptions | undefined) =>
        new CacheEngines(engine, options ?? {}),
    },
    // The engine's public objects, as built: Nest adds nothing to them.
    { provide: RedisCacheService, inject: [CACHE_ENGINE], useFactory: (e: CacheEngine) => e.cache },
    {
      provide: RedisCacheHealthIndicator,
      inject: [CACHE_ENGINE],
      useFactory: (e: CacheEngine) => e.health,
    },
    { provide: CacheEvents, inject: [CACHE_ENGINE], useFactory: (e: CacheEngine) => e.events },
    RouteTallies,
    CacheResponseRoutes,
    DecoratedMethodsExplorer,
  ],
  // CACHE_ENGINE is no public token (no package entry exports it): the library's interceptors,
  // which Nest builds in the user's modules, reach the engine through it.
  exports: [
    RedisCacheService,
    RedisCacheHealthIndicator,
    CacheEvents,
    CACHE_CLOCK,
    CACHE_ENGINE,
    CACHE_ENGINES,
  ],
})
export class RedisCacheModule
  extends ConfigurableRedisCacheModule
  implements
    NestModule,
    OnModuleInit,
    OnApplicationBootstrap,
    BeforeApplicationShutdown,
    OnApplicationShutdown
{
  /** Gives the HTTP adapter its route functions back once Nest registered the routes. */
  private unwrapRoutes?: () => void;

  /** @internal Nest injects these. */
  constructor(
    private readonly routeTallies: RouteTallies,
    private readonly responseRoutes: CacheResponseRoutes,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(CACHE_ENGINES) private readonly engines: CacheEngines,
    private readonly discovery: DiscoveryService,
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
    if (wrappers.length > 0) this.unwrapRoutes = wrapRoutes(adapter, wrappers, this.discovery);
  }

  /** Nest calls the module's own hooks after its providers': the explorer has run by now. */
  async onModuleInit(): Promise<void> {
    const unwrap = this.unwrapRoutes;
    this.unwrapRoutes = undefined;
    unwrap?.();
    // The default cache first: the named ones use its connection.
    const [root, ...named] = this.engines.all();
    await root!.start();
    await Promise.all(named.map((engine) => engine.start()));
  }

  /** After every module's onModuleInit: the app's write-behind writers are registered. */
  async onApplicationBootstrap(): Promise<void> {
    for (const engine of this.engines.all()) await engine.startWorkers();
  }

  /** Before the app's own resources (the writers' databases) close. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.engines.all().map((engine) => engine.drain()));
  }

  async onApplicationShutdown(): Promise<void> {
    for (const engine of this.engines.all().reverse()) await engine.close();
  }

  /** `forRoot()` with no argument connects to `REDIS_URL` or `redis://127.0.0.1:6379`. */
  static override forRoot(options: typeof REDIS_CACHE_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  /**
   * A named cache with its own namespace (default `{forRoot namespace}.{name}`), TTL, L1,
   * serializer...: forRoot()'s options merged with these, on forRoot()'s connection. Inject it
   * with `@InjectCache(name)`; decorators and @CacheResponse use it with `cache: name`.
   */
  static forFeature(options: RedisCacheFeatureOptions): DynamicModule {
    const name = String((options as { name?: unknown } | undefined)?.name);
    return {
      module: RedisCacheFeatureModule,
      providers: [
        {
          provide: getCacheToken(name),
          // The named cache is built into the app's CacheEngines, which the default module owns
          // (and whose lifecycle starts and closes it).
          inject: [{ token: CACHE_ENGINES, optional: true }],
          useFactory: (engines: CacheEngines | undefined) => {
            if (!engines)
              throw new CacheConfigError(
                `RedisCacheModule.forFeature({ name: '${name}' })`,
                'needs RedisCacheModule.forRoot() (or forRootAsync()) in the app: a named cache ' +
                  'takes its connection and default options from it. With isGlobal: false, import ' +
                  'the forRoot() module into the module that calls forFeature().',
              );
            return engines.add(options).cache;
          },
        },
      ],
      exports: [getCacheToken(name)],
    };
  }

  static override forRootAsync(options: typeof REDIS_CACHE_ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.forRootAsync(options);
  }
}
