// @CacheEvict: deletes a key, invalidates tags, or clears the method's namespace, after the
// method succeeds (or before it runs). Records metadata only; the explorer wires it.
import { CACHE_EVICT_METADATA } from './cache-decorator.constants.js';
import type { CacheEvictOptions } from './cache-decorator-options.interface.js';
import { appendMetadata, cachedMethod } from './cached-method.js';

/**
 * Evicts after the method succeeds; nothing is evicted if it throws, unless `beforeInvocation`.
 * Several @CacheEvict may decorate one method.
 *
 * @example
 * ```ts
 * @CacheEvict({ key: 'product:{0}', tags: (id) => [`product:${id}`] })
 * remove(id: string): Promise<void> { ... }
 * ```
 */
export function CacheEvict(options: CacheEvictOptions): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    appendMetadata(
      CACHE_EVICT_METADATA,
      options,
      cachedMethod('@CacheEvict', target, propertyKey, descriptor),
    );
  };
}
