import { RedisCacheError } from './redis-cache.error.js';

/** An option of RedisCacheModule (or of a decorator) is invalid; thrown at bootstrap. */
export class CacheConfigError extends RedisCacheError {
  constructor(option: string, problem: string, cause?: unknown) {
    super('E_CACHE_CONFIG', `nestjs-redis-cache: option "${option}" ${problem}`, { option, cause });
  }
}
