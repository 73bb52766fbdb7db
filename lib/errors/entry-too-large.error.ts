import { RedisCacheError } from './redis-cache.error.js';

/**
 * A stored entry holds more than this reader's `limits.valueBytes` (written by another instance with a
 * larger limit, or by anyone who can write the namespace: a small compressed entry that would
 * inflate to gigabytes). It is read as a miss; reading stopped at the limit.
 */
export class CacheEntryTooLargeError extends RedisCacheError {
  constructor(readonly limit: number) {
    super(
      'E_CACHE_ENTRY_TOO_LARGE',
      `nestjs-redis-cache: a stored entry holds more than ${limit} bytes (option limits.valueBytes); it was not read.`,
      { option: 'limits.valueBytes' },
    );
  }
}
