// RedisCacheModule without Redis, for unit tests: nothing connects, decorated methods always run,
// reads miss, writes are skipped (write-behind jobs run at once). Same providers as forRoot().
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
