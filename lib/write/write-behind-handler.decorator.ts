// @WriteBehindHandler('orders'): registers a provider method as the writer that
// `cache.writeBehind(key, value, 'orders')` jobs are persisted with. Records metadata only; the
// write strategies' explorer registers it at bootstrap.
import { CacheDecoratorError } from '../errors/cache-decorator.error.js';
import { WRITE_BEHIND_HANDLER_METADATA } from './write-strategies.constants.js';
import { recordWriteMetadata } from './write-through.decorator.js';

/**
 * The method persists write-behind jobs queued for writer `name`. It is called with the value
 * and a WriteBehindJobInfo (key, sequence, attempt...); make it idempotent (upsert by id, or
 * ignore a write whose sequence is older than the stored one).
 *
 * @example
 * ```ts
 * @WriteBehindHandler('orders')
 * async persist(order: Order, job: WriteBehindJobInfo): Promise<void> { await this.orders.upsert(order); }
 * ```
 */
export function WriteBehindHandler(name: string): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const label = `${typeof target === 'function' ? target.name : target.constructor.name}.${String(propertyKey)}`;
    if (typeof target === 'function')
      throw new CacheDecoratorError(
        '@WriteBehindHandler',
        label,
        'is static; use a provider method',
      );
    if (typeof descriptor?.value !== 'function')
      throw new CacheDecoratorError('@WriteBehindHandler', label, 'is not a method');
    if (typeof name !== 'string' || name.length === 0)
      throw new CacheDecoratorError(
        '@WriteBehindHandler',
        label,
        `needs a non-empty writer name, got ${JSON.stringify(name)}`,
      );
    recordWriteMetadata(WRITE_BEHIND_HANDLER_METADATA, name, target, propertyKey);
  };
}
