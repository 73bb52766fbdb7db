// What users pass to @Cacheable, @CachePut, @CacheEvict and @CacheTags.
import type { GetOrSetOptions } from '../service/get-or-set-options.js';

// The `bivariance` member makes these function types accept callbacks with typed parameters
// (`(id: number) => ...`) without `any`: method signatures are compared bivariantly.
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
}
