// @WriteBehind: a call caches the value and queues a durable job, and resolves once Redis has
// both; a worker later runs the ORIGINAL method with the same arguments, so the decorated method
// is the persister. Records metadata only; the explorer wires it at bootstrap.
import { WRITE_BEHIND_METADATA } from './cache-decorator.constants.js';
import { appendMetadata, cachedMethod } from './cached-method.js';
import type { WriteBehindDecoratorOptions } from './write-decorator-options.interface.js';

/**
 * Caches `value` (default: the first argument) under `key` at once and queues the call; a worker
 * runs the method later with the same (serialized) arguments, retrying with backoff. The call
 * resolves to `undefined` once Redis acknowledged the entry and the job. Arguments must be
 * serializable (plain data, Date, Map, Set, BigInt, Buffer...); make the method idempotent.
 *
 * @example
 * ```ts
 * @WriteBehind({ key: 'order:{0.id}', maxAttempts: 8 })
 * async save(order: Order): Promise<void> { await this.orders.upsert(order); }
 * ```
 */
export function WriteBehind(options: WriteBehindDecoratorOptions): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    appendMetadata(
      WRITE_BEHIND_METADATA,
      options,
      cachedMethod('@WriteBehind', target, propertyKey, descriptor),
    );
  };
}
