// The method decorators users write (@Cacheable, @CachePut, @CacheEvict, @CacheTags, @WriteThrough,
// @WriteBehind, @WriteBehindHandler) and their options. They record metadata only; the explorer
// wires them at bootstrap.
import { CacheDecoratorError } from '../errors/errors.js';
import { mustBe } from '../options/option-kit.js';
import type { GetOrSetOptions } from '../service/get-or-set-options.js';
import type { Ttl } from '../time/ttl.js';
import type { WriteBehindJobOptions } from '../write/write-behind-options.js';
import { checkMethod, METADATA, recording } from './cached-method.js';

// Method signatures are compared bivariantly (property signatures are not, under
// strictFunctionTypes): callbacks with typed parameters, `(id: number) => ...`, are accepted without `any`.
type Bivariant<A extends unknown[], R> = { bivariance(...args: A): R }['bivariance'];

/** A key template ('product:{0}', 'user:{0.id}:orders') or a function of the method's arguments. */
export type CacheKeySource = string | Bivariant<unknown[], string>;

/** A tag, or a function of the method's arguments returning tags. */
export type CacheTagSource = string | Bivariant<unknown[], string | string[]>;

/** Fixed tags, or a function of the method's arguments returning tags. */
export type CacheTagsOption = string[] | Bivariant<unknown[], string | string[]>;

export interface CacheableOptions extends Omit<GetOrSetOptions, 'tags'> {
  /** Template ('product:{0}', 'product:{0.sku}') or function of the arguments. Default `{Class}.{method}:{hash of the arguments}`. */
  key?: CacheKeySource;
  /** Tags stored with the entry: fixed, or computed from the arguments. */
  tags?: CacheTagsOption;
  /** Called with the arguments; `false` bypasses the cache entirely (the method runs, nothing is read or stored). */
  condition?: Bivariant<unknown[], boolean>;
  /** Called with the result then the arguments; `true` returns the result without storing it. */
  unless?: Bivariant<[result: unknown, ...args: unknown[]], boolean>;
  /** Store `null` results. Default `true`. `undefined` is never stored. */
  cacheNull?: boolean;
  /** Sub-namespace: keys become `{namespace}:{key}`; `@CacheEvict({ namespace, allEntries: true })` clears it. Default: the class name (keys unchanged). */
  namespace?: string;
  /** The named cache (RedisCacheModule.forFeature) this method uses. Default: the default cache (forRoot). */
  cache?: string;
}

/** @CachePut takes the same options as @Cacheable; the method always runs. */
export type CachePutOptions = CacheableOptions;

export interface CacheEvictOptions {
  /** The key to delete: template or function of the arguments (resolved in `namespace` when given). */
  key?: CacheKeySource;
  /** Tags to invalidate: fixed, or computed from the arguments. */
  tags?: CacheTagsOption;
  /** Clear every entry @Cacheable/@CachePut stored in this method's namespace (the `namespace` option, else the class name). */
  allEntries?: boolean;
  /** Evict before the method runs, even if it then throws. Default `false`: after it succeeds. */
  beforeInvocation?: boolean;
  /** Sub-namespace the key and `allEntries` refer to. Default: the class name (keys unchanged). */
  namespace?: string;
  /** Called with the arguments; `false` skips the eviction. */
  condition?: Bivariant<unknown[], boolean>;
  /** The named cache (RedisCacheModule.forFeature) this method uses. Default: the default cache (forRoot). */
  cache?: string;
}

export interface WriteThroughOptions {
  /** The cache key: a template ('user:{0.id}') or a function of the method's arguments. */
  key: CacheKeySource;
  /** Time to live of the stored value; default the module's `ttl`. */
  ttl?: Ttl;
  /** Tags stored with the value: fixed, or computed from the arguments. */
  tags?: CacheTagsOption;
  /** What to cache, from the result and the arguments. Default: the result. `undefined` deletes the key instead. */
  value?: Bivariant<[result: unknown, ...args: unknown[]], unknown>;
  /** The named cache (RedisCacheModule.forFeature) this method uses. Default: the default cache (forRoot). */
  cache?: string;
}

export interface WriteBehindDecoratorOptions extends WriteBehindJobOptions {
  /** The cache key: a template ('order:{0.id}') or a function of the method's arguments. */
  key: CacheKeySource;
  /** Time to live of the stored value; default the module's `ttl`. */
  ttl?: Ttl;
  /** Tags stored with the value: fixed, or computed from the arguments. */
  tags?: CacheTagsOption;
  /** What to cache, from the arguments. Default: the first argument. */
  value?: Bivariant<unknown[], unknown>;
  /** The named cache (RedisCacheModule.forFeature) this method uses. Default: the default cache (forRoot). */
  cache?: string;
}

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
  return recording('@Cacheable', options);
}

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
  return recording('@CachePut', options);
}

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
  return recording('@CacheEvict', options);
}

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
  return recording('@CacheTags', tags);
}

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
  return recording('@WriteThrough', options);
}

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
  return recording('@WriteBehind', options);
}

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
  // Not wrapped: the method is only called by the queue, so its names live on (prototype, method).
  return (target, propertyKey, descriptor) => {
    checkMethod('@WriteBehindHandler', target, propertyKey, descriptor);
    if (typeof name !== 'string' || name.length === 0)
      throw new CacheDecoratorError(
        '@WriteBehindHandler',
        `${target.constructor.name}.${String(propertyKey)}`,
        mustBe('a non-empty writer name', name),
      );
    const names =
      (Reflect.getOwnMetadata(METADATA.writers, target, propertyKey) as string[] | undefined) ?? [];
    Reflect.defineMetadata(METADATA.writers, [...names, name], target, propertyKey);
    Reflect.defineMetadata(METADATA.marked, true, target);
  };
}
