// @WriteBehind: a call caches the value and queues a durable job, and resolves once Redis has
// both; a worker later runs the ORIGINAL method with the same arguments, so the decorated method
// is the persister. Records metadata only; the write strategies' explorer wires it at bootstrap.
import { cachedMethod } from '../decorators/cached-method.js';
import { WRITE_BEHIND_METADATA } from './write-strategies.constants.js';
import type { WriteBehindDecoratorOptions } from './write-decorator-options.interface.js';
import { recordWriteMetadata } from './write-through.decorator.js';

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
    cachedMethod('@WriteBehind', target, propertyKey, descriptor);
    recordWriteMetadata(WRITE_BEHIND_METADATA, options, target, propertyKey);
  };
}
