// @CacheTags: adds tags to what @Cacheable or @CachePut on the same method stores, so one
// decorator line says how the entry is invalidated. Records metadata only.
import { CACHE_TAGS_METADATA } from './cache-decorator.constants.js';
import type { CacheTagSource } from './cache-decorator-options.interface.js';
import { appendMetadata, cachedMethod } from './cached-method.js';

/**
 * Tags, fixed or computed from the arguments, added to the entry @Cacheable/@CachePut stores.
 *
 * @example
 * ```ts
 * @Cacheable({ key: 'product:{0}' })
 * @CacheTags('products', (id) => `product:${id}`)
 * findOne(id: string) { ... }
 * ```
 */
export function CacheTags(...tags: CacheTagSource[]): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    appendMetadata(
      CACHE_TAGS_METADATA,
      tags,
      cachedMethod('@CacheTags', target, propertyKey, descriptor),
    );
  };
}
