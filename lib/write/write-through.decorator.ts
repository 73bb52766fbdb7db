// @WriteThrough: the method persists (it runs on every call), then its result is stored in the
// cache. Records metadata only; the write strategies' explorer wires it at bootstrap.
import { cachedMethod } from '../decorators/cached-method.js';
import {
  HAS_WRITE_METHODS_METADATA,
  WRITE_THROUGH_METADATA,
} from './write-strategies.constants.js';
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
    cachedMethod('@WriteThrough', target, propertyKey, descriptor);
    recordWriteMetadata(WRITE_THROUGH_METADATA, options, target, propertyKey);
  };
}

/** Appends options to the list of one kind on (prototype, method) and flags the class. */
export function recordWriteMetadata(
  key: string,
  options: unknown,
  target: object,
  propertyKey: string | symbol,
): void {
  const list = (Reflect.getOwnMetadata(key, target, propertyKey) as unknown[] | undefined) ?? [];
  Reflect.defineMetadata(key, [...list, options], target, propertyKey);
  Reflect.defineMetadata(HAS_WRITE_METHODS_METADATA, true, target);
}
