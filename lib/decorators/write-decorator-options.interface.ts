// What users pass to @WriteThrough and @WriteBehind.
import type { Ttl } from '../time/ttl.js';
import type { WriteBehindJobOptions } from '../write/write-behind-options.js';
import type { CacheKeySource, CacheTagsOption } from './cache-decorator-options.interface.js';

// Method signatures are compared bivariantly (property signatures are not, under
// strictFunctionTypes): callbacks with typed parameters, `(order: Order) => ...`, are accepted.
type ValueOfResult = { bivariance(result: unknown, ...args: unknown[]): unknown }['bivariance'];
type ValueOfArgs = { bivariance(...args: unknown[]): unknown }['bivariance'];

export interface WriteThroughOptions {
  /** The cache key: a template ('user:{0.id}') or a function of the method's arguments. */
  key: CacheKeySource;
  /** Time to live of the stored value; default the module's `ttl`. */
  ttl?: Ttl;
  /** Tags stored with the value: fixed, or computed from the arguments. */
  tags?: CacheTagsOption;
  /** What to cache, from the result and the arguments. Default: the result. `undefined` deletes the key instead. */
  value?: ValueOfResult;
}

export interface WriteBehindDecoratorOptions extends WriteBehindJobOptions {
  /** The cache key: a template ('order:{0.id}') or a function of the method's arguments. */
  key: CacheKeySource;
  /** Time to live of the stored value; default the module's `ttl`. */
  ttl?: Ttl;
  /** Tags stored with the value: fixed, or computed from the arguments. */
  tags?: CacheTagsOption;
  /** What to cache, from the arguments. Default: the first argument. */
  value?: ValueOfArgs;
}
