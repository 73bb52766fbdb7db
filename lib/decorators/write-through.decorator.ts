// @WriteThrough: the method persists (it runs on every call), then its result is stored in the
// cache. Records metadata only; the explorer wires it at bootstrap.
import { WRITE_THROUGH_METADATA } from './cache-decorator.constants.js';
import { appendMetadata, cachedMethod } from './cached-method.js';
import type { WriteThroughOptions } from './write-decorator-options.interface.js';

/**
 * Runs the method, then caches `value` (default: the result) under `key`. If the method throws,
 * the cache is left as it was and the error propagates. The method always returns a Promise.
 *
 * @example
 * ```ts
 * @WriteThrough({ key: 'user:{0.id}', ttl: '1h' })
 * async save(user: User): Promise<User> { return this.users.save(user); }
 * ```
 */
export function WriteThrough(options: WriteThroughOptions): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    appendMetadata(
      WRITE_THROUGH_METADATA,
      options,
      cachedMethod('@WriteThrough', target, propertyKey, descriptor),
    );
  };
}
