import { RedisCacheError } from './redis-cache.error.js';

/**
 * The cache key of a decorated method could not be computed from the arguments of one call
 * (a template path that is missing, a key function that returned no string, an argument that
 * cannot be hashed). Thrown at call time, before the method runs.
 */
export class CacheKeyResolutionError extends RedisCacheError {
  constructor(method: string, problem: string, cause?: unknown) {
    super(
      'E_CACHE_KEY_RESOLVE',
      `nestjs-redis-cache: cannot build the cache key of ${method}: ${problem}`,
      {
        method,
        cause,
      },
    );
  }
}
