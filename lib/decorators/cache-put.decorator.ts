// @CachePut: the method always runs and its result is stored under the key, refreshing what
// @Cacheable methods read. Records metadata only; the explorer wires it.
import { CACHE_PUT_METADATA } from './cache-decorator.constants.js';
import type { CachePutOptions } from './cache-decorator-options.interface.js';
import { appendMetadata, cachedMethod } from './cached-method.js';

/**
 * Runs the method and stores its result (same options as @Cacheable), with the tags it declares
 * and no others: declare those of the @Cacheable reading the same keys, from its own arguments.
 *
 * @example
 * ```ts
 * @CachePut({ key: 'product:{0.id}', tags: (product: Product) => [`product:${product.id}`] })
 * update(product: Product): Promise<Product> { ... }
 * ```
 */
export function CachePut(options: CachePutOptions = {}): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    appendMetadata(
      CACHE_PUT_METADATA,
      options,
      cachedMethod('@CachePut', target, propertyKey, descriptor),
    );
  };
}
