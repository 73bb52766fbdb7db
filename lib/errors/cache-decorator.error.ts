import { RedisCacheError } from './redis-cache.error.js';

/**
 * A caching decorator is used in a way that cannot work (bad option, conflicting decorators);
 * thrown at bootstrap, naming the method as `ClassName.method`.
 */
export class CacheDecoratorError extends RedisCacheError {
  constructor(
    decorator: string,
    method: string,
    problem: string,
    option?: string,
    cause?: unknown,
  ) {
    super(
      'E_CACHE_DECORATOR',
      `nestjs-redis-cache: ${decorator} on ${method}: ${option ? `option "${option}" ` : ''}${problem}`,
      { method, option, cause },
    );
  }
}
