import { RedisCacheError } from './redis-cache.error.js';

/** The factory of a lookup ran past its `hardTimeout` and no stale value could stand in for it. */
export class CacheFactoryTimeoutError extends RedisCacheError {
  constructor(
    key: string,
    readonly timeoutMs: number,
  ) {
    super(
      'E_CACHE_FACTORY_TIMEOUT',
      `nestjs-redis-cache: the factory for key "${key}" did not finish within its hardTimeout of ${timeoutMs} ms and no stale value exists. It keeps running and its value is stored when it finishes.`,
      { key, option: 'hardTimeout' },
    );
  }
}
