// Resolves CacheModule's options (register: a value; registerAsync: useFactory/useClass/useExisting
// with its imports and extraProviders) in a module of their own, which exports them: both the
// RedisCacheModule inside CacheModule and CacheModule's own CACHE_MANAGER read them from there.
import { ConfigurableModuleBuilder, Module, type Provider } from '@nestjs/common';
import type { CacheManagerOptions } from './cache-module-options.interface.js';

/** The token of CacheModule's resolved options (as given: milliseconds, cache-manager names). */
export const CACHE_MODULE_OPTIONS = 'CACHE_MODULE_OPTIONS';

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
export class CacheOptionsHost extends ConfigurableCacheOptionsHost {}
