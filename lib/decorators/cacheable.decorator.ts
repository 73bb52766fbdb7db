// @Cacheable: the method's result is cached under a key built from its arguments; a hit returns
// the cached value without running the method. Records metadata only; the explorer wires it.
import { CACHEABLE_METADATA } from './cache-decorator.constants.js';
import type { CacheableOptions } from './cache-decorator-options.interface.js';
import { appendMetadata, cachedMethod } from './cached-method.js';

/**
 * Caches the method's result. The decorated method always returns a Promise (or an Observable
 * for methods returning one), also when it was synchronous.
 *
 * @example
 * ```ts
 * @Cacheable({ key: 'product:{0}', ttl: '5m', tags: (id) => [`product:${id}`] })
 * findOne(id: string): Promise<Product> { ... }
 * ```
 */
export function Cacheable(options: CacheableOptions = {}): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    appendMetadata(
      CACHEABLE_METADATA,
      options,
      cachedMethod('@Cacheable', target, propertyKey, descriptor),
    );
  };
}
