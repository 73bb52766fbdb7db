import { RedisCacheError } from './redis-cache.error.js';

/** A cache key that is not a non-empty string within the allowed length. */
export class InvalidKeyError extends RedisCacheError {
  constructor(
    /** What is wrong, without the `invalid cache key` lead-in: for errors that wrap this one. */
    readonly problem: string,
    key?: string,
  ) {
    super('E_CACHE_KEY', `nestjs-redis-cache: invalid cache key: ${problem}`, { key });
  }
}
