// RedisCacheModule without Redis, for unit tests that do not care about caching: nothing
// connects, decorated methods run on every call, reads miss, cache writes are skipped
// (write-behind jobs are persisted at once, as when Redis is down). Same providers as forRoot(),
// so whatever injects RedisCacheService or uses the decorators runs unchanged.
import type { DynamicModule } from '@nestjs/common';
import { resolveOptions } from '../engine/resolve-options.js';
import { RedisCacheModule } from '../module/redis-cache.module.js';
import { RESOLVED_CACHE_OPTIONS } from '../options/resolved-options.js';

export function disabledRedisCacheModule(): DynamicModule {
  const module = RedisCacheModule.forRoot({ namespace: 'disabled' });
  return {
    ...module,
    // Declared after forRoot()'s own: Nest keeps the last provider of a token.
    providers: [
      ...(module.providers ?? []),
      {
        provide: RESOLVED_CACHE_OPTIONS,
        useFactory: () => ({
          ...resolveOptions({ namespace: 'disabled' }),
          connection: { kind: 'disabled' },
        }),
      },
    ],
  };
}
