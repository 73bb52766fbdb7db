// CacheModule: @nestjs/cache-manager's module on Redis; provides CACHE_MANAGER (and `Cache`) over
// its own RedisCacheModule's service. Not global unless `isGlobal: true`, as there.
import {
  ConfigurableModuleBuilder,
  Module,
  type DynamicModule,
  type Provider,
} from '@nestjs/common';
import { RedisCacheModule } from '../module/redis-cache.module.js';
import { RedisCacheService } from '../service/redis-cache.service.js';
import type { CacheClock } from '../time/clock.js';
import { CACHE_CLOCK } from '../time/clock.constants.js';
import { Cache } from './cache.js';
import { CACHE_MANAGER } from './cache-manager.decorators.js';
import {
  cacheManagerSettings,
  toRedisCacheOptions,
  type CacheManagerOptions,
  type CacheModuleAsyncOptions,
  type CacheModuleOptions,
} from './cache-module-options.js';
import { RedisCacheManager } from './redis-cache-manager.js';

/** The token of CacheModule's resolved options (as given: milliseconds, cache-manager names). */
export const CACHE_MODULE_OPTIONS = 'CACHE_MODULE_OPTIONS';

// Resolves the options (register: a value; registerAsync: useFactory/useClass/useExisting with its
// imports and extraProviders) in a module of their own, which exports them: both the
// RedisCacheModule inside CacheModule and CacheModule's own CACHE_MANAGER read them from there.
const { ConfigurableModuleClass: ConfigurableCacheOptionsHost } =
  new ConfigurableModuleBuilder<CacheManagerOptions>({
    moduleName: 'Cache',
    optionsInjectionToken: CACHE_MODULE_OPTIONS,
  })
    .setClassMethodName('register')
    .setFactoryMethodName('createCacheOptions')
    .setExtras({ isGlobal: false, extraProviders: [] as Provider[] }, (definition, extras) => ({
      ...definition,
      providers: [...(definition.providers ?? []), ...(extras.extraProviders ?? [])],
      exports: [CACHE_MODULE_OPTIONS],
    }))
    .build();

@Module({})
class CacheOptionsHost extends ConfigurableCacheOptionsHost {}

const CACHE_MANAGER_PROVIDERS: Provider[] = [
  {
    provide: CACHE_MANAGER,
    inject: [RedisCacheService, CACHE_MODULE_OPTIONS, CACHE_CLOCK],
    useFactory: (service: RedisCacheService, options: CacheManagerOptions, clock: CacheClock) =>
      new RedisCacheManager(service, cacheManagerSettings(options), clock),
  },
  { provide: Cache, useExisting: CACHE_MANAGER },
];

@Module({})
export class CacheModule {
  /** Options given directly; `ttl` in milliseconds (default 5000). */
  static register<StoreConfig extends object = object>(
    options: CacheModuleOptions<StoreConfig> = {} as CacheModuleOptions<StoreConfig>,
  ): DynamicModule {
    const { isGlobal, ...cacheOptions } = options;
    return CacheModule.around(CacheOptionsHost.register(cacheOptions), isGlobal);
  }

  /** Options from a factory, a class implementing `createCacheOptions()`, or an existing provider. */
  static registerAsync<StoreConfig extends object = object>(
    options: CacheModuleAsyncOptions<StoreConfig>,
  ): DynamicModule {
    return CacheModule.around(CacheOptionsHost.registerAsync(options), options.isGlobal);
  }

  private static around(host: DynamicModule, isGlobal: boolean | undefined): DynamicModule {
    return {
      module: CacheModule,
      global: isGlobal,
      imports: [
        host,
        RedisCacheModule.forRootAsync({
          isGlobal: false,
          imports: [host],
          inject: [CACHE_MODULE_OPTIONS],
          useFactory: (options: CacheManagerOptions) => toRedisCacheOptions(options),
        }),
      ],
      providers: CACHE_MANAGER_PROVIDERS,
      exports: [CACHE_MANAGER, Cache],
    };
  }
}
