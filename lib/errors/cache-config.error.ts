import { CacheOptionError } from './cache-option.error.js';

/** An option of RedisCacheModule, of a call or of a decorator is invalid. */
export class CacheConfigError extends CacheOptionError {
  constructor(option: string, problem: string, cause?: unknown) {
    super('E_CACHE_CONFIG', option, problem, cause);
  }
}
