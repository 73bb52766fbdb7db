import { RedisCacheError } from './redis-cache.error.js';

/**
 * Another instance held the stampede lock of a key for longer than `lock.wait`, no stale value
 * existed, and `lock.onTimeout` is `'throw'`.
 */
export class CacheLockTimeoutError extends RedisCacheError {
  constructor(
    key: string,
    readonly waitedMs: number,
  ) {
    super(
      'E_CACHE_LOCK_TIMEOUT',
      `nestjs-redis-cache: waited ${waitedMs} ms for another caller to compute key "${key}" (lock.wait) and lock.onTimeout is 'throw'.`,
      { key, option: 'lock.onTimeout' },
    );
  }
}
