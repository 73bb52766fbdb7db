import { RedisCacheError } from './redis-cache.error.js';

/** A value's serialized form is larger than `limits.valueBytes`; nothing was written. */
export class CacheValueTooLargeError extends RedisCacheError {
  constructor(
    key: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      'E_CACHE_VALUE_TOO_LARGE',
      `nestjs-redis-cache: the value for key "${key}" is ${bytes} bytes serialized, over the limit of ${limit} (option limits.valueBytes). Nothing was written.`,
      { key, option: 'limits.valueBytes' },
    );
  }
}
