// @WriteBehindHandler('orders'): registers a provider method as the writer that
// `cache.writeBehind(key, value, 'orders')` jobs are persisted with. Records metadata only; the
// explorer registers it at bootstrap. The method itself is not wrapped: its names are recorded on
// (prototype, method).
import { CacheDecoratorError } from '../errors/cache-decorator.error.js';
import {
  HAS_DECORATED_METHODS_METADATA,
  WRITE_BEHIND_HANDLER_METADATA,
} from './cache-decorator.constants.js';
import { checkMethod } from './cached-method.js';
import { mustBe } from '../options/option-kit.js';

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
    checkMethod('@WriteBehindHandler', target, propertyKey, descriptor);
    if (typeof name !== 'string' || name.length === 0)
      throw new CacheDecoratorError(
        '@WriteBehindHandler',
        `${target.constructor.name}.${String(propertyKey)}`,
        mustBe('a non-empty writer name', name),
      );
    const names =
      (Reflect.getOwnMetadata(WRITE_BEHIND_HANDLER_METADATA, target, propertyKey) as
        string[] | undefined) ?? [];
    Reflect.defineMetadata(WRITE_BEHIND_HANDLER_METADATA, [...names, name], target, propertyKey);
    Reflect.defineMetadata(HAS_DECORATED_METHODS_METADATA, true, target);
  };
}
