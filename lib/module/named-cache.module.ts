// RedisCacheModule.forFeature(): one named cache, its RedisCacheService provided under
// getCacheToken(name) and built into the app's CacheEngines, which the default module owns (and
// whose lifecycle starts and closes it).
import { Module, type DynamicModule } from '@nestjs/common';
import { CACHE_ENGINES, getCacheToken } from '../engine/cache-engine.constants.js';
import type { CacheEngines } from '../engine/cache-engines.js';
import type { RedisCacheFeatureOptions } from '../engine/redis-cache-options.interface.js';
import { CacheConfigError } from '../errors/errors.js';

@Module({})
class RedisCacheFeatureModule {}

export function namedCacheModule(options: RedisCacheFeatureOptions): DynamicModule {
  const name = (options as { name?: unknown } | undefined)?.name;
  const token = getCacheToken(String(name));
  return {
    module: RedisCacheFeatureModule,
    providers: [
      {
        provide: token,
        inject: [{ token: CACHE_ENGINES, optional: true }],
        useFactory: (engines: CacheEngines | undefined) => {
          if (!engines)
            throw new CacheConfigError(
              `RedisCacheModule.forFeature({ name: '${String(name)}' })`,
              'needs RedisCacheModule.forRoot() (or forRootAsync()) in the app: a named cache ' +
                'takes its connection and default options from it. With isGlobal: false, import ' +
                'the forRoot() module into the module that calls forFeature().',
            );
          return engines.add(options).cache;
        },
      },
    ],
    exports: [token],
  };
}
