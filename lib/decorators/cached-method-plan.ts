// Validates the options of the caching decorators on one method, once at bootstrap, into the
// plan its invoker runs. Every problem is a CacheDecoratorError naming `ClassName.method`.
import { CacheDecoratorError } from '../errors/cache-decorator.error.js';
import { CacheKeyResolutionError } from '../errors/cache-key-resolution.error.js';
import type { KeySpace } from '../keys/key-space.js';
import { methodKeyResolver, type MethodKeyResolver } from '../keys/method-key.js';
import {
  GET_OR_SET_OPTION_NAMES,
  resolveGetOrSetOptions,
  type CacheWriteOptions,
  type ResolvedGetOrSet,
} from '../service/get-or-set-options.js';
import type {
  CacheEvictOptions,
  CacheTagSource,
  CacheableOptions,
} from './cache-decorator-options.interface.js';
import type { CachedMethodMetadata } from './cache-metadata.accessor.js';
import type { MethodFunction } from './cached-method.js';

type Args = readonly unknown[];

const STORE_OPTION_NAMES = [
  'key',
  'condition',
  'unless',
  'cacheNull',
  'namespace',
  ...GET_OR_SET_OPTION_NAMES,
];
const EVICT_OPTION_NAMES = [
  'key',
  'tags',
  'allEntries',
  'beforeInvocation',
  'namespace',
  'condition',
];

/** How @Cacheable or @CachePut stores the result. */
export interface StorePlan {
  decorator: '@Cacheable' | '@CachePut';
  key: MethodKeyResolver;
  /** For lookup(): resolved once; per-call tags are appended. */
  lookup: ResolvedGetOrSet;
  /** For set() (@CachePut): the validated TTL and the fixed tags. */
  write: CacheWriteOptions;
  /** Tags computed from the arguments of each call. */
  callTags: (args: Args) => string[];
  /** False when no tag is computed from the arguments (callTags always returns []). */
  hasCallTags: boolean;
  /** False: bypass the cache for this call. */
  condition?: (args: Args) => boolean;
  shouldStore: (value: unknown, args: Args) => boolean;
  /** False when every result is stored (no `unless`, `cacheNull` on): no per-call check. */
  checksStore: boolean;
}

export interface EvictPlan {
  key?: MethodKeyResolver;
  tags: (args: Args) => string[];
  beforeInvocation: boolean;
  condition?: (args: Args) => boolean;
}

export interface CachedMethodPlan {
  /** `ClassName.method`. */
  label: string;
  original: MethodFunction;
  /** The method's declared return type is Observable: the invoker returns one too. */
  returnsObservable: boolean;
  store?: StorePlan;
  evicts: EvictPlan[];
}

export interface PlanContext {
  className: string;
  defaultTtlMs: number;
  keys: KeySpace;
  /** Internal tags of the namespaces some `@CacheEvict({ allEntries: true })` clears. */
  clearableNamespaces: ReadonlySet<string>;
  returnsObservable: boolean;
}

/**
 * The internal tag that entries of a namespace carry when it is clearable: the decorator's
 * `namespace`, else the class name.
 */
export function namespaceTag(namespace: string | undefined, className: string): string {
  return namespace === undefined
    ? `redis_cache:class:${className}`
    : `redis_cache:namespace:${namespace}`;
}

/** The namespace tags cleared by the @CacheEvict({ allEntries: true }) lines of a method. */
export function clearedNamespaces(metadata: CachedMethodMetadata, className: string): string[] {
  return metadata.evicts
    .filter((evict) => evict?.allEntries === true)
    .map((evict) =>
      namespaceTag(typeof evict.namespace === 'string' ? evict.namespace : undefined, className),
    );
}

export function planCachedMethod(
  metadata: CachedMethodMetadata,
  context: PlanContext,
): CachedMethodPlan {
  const label = `${context.className}.${metadata.method.methodName}`;
  const fail = (decorator: string, problem: string, option?: string, cause?: unknown): never => {
    throw new CacheDecoratorError(decorator, label, problem, option, cause);
  };
  if (metadata.cacheable.length > 1) fail('@Cacheable', 'is applied more than once');
  if (metadata.puts.length > 1) fail('@CachePut', 'is applied more than once');
  if (metadata.cacheable.length > 0 && metadata.puts.length > 0)
    fail('@Cacheable', 'cannot be combined with @CachePut on the same method');
  const storeOptions = metadata.cacheable[0] ?? metadata.puts[0];
  const decorator = metadata.cacheable.length > 0 ? '@Cacheable' : '@CachePut';
  if (metadata.tags.length > 0 && !storeOptions)
    fail(
      '@CacheTags',
      'needs @Cacheable or @CachePut on the same method (it tags what they store)',
    );
  return {
    label,
    original: metadata.method.original,
    returnsObservable: context.returnsObservable,
    store: storeOptions
      ? planStore(decorator, storeOptions, metadata.tags.flat(), label, context, fail)
      : undefined,
    evicts: metadata.evicts.map((options) => planEvict(options, label, context, fail)),
  };
}

type Fail = (decorator: string, problem: string, option?: string, cause?: unknown) => never;

function planStore(
  decorator: '@Cacheable' | '@CachePut',
  options: CacheableOptions,
  extraTags: CacheTagSource[],
  label: string,
  context: PlanContext,
  fail: Fail,
): StorePlan {
  const failOn = (option: string, problem: string, cause?: unknown) =>
    fail(decorator, problem, option, cause);
  if (typeof options !== 'object' || options === null)
    fail(decorator, `expects an options object, got ${describe(options)}`);
  checkNames(options, STORE_OPTION_NAMES, failOn);
  // Decorator-only options stay here; the rest is getOrSet's and is resolved by its own code, so
  // options added to getOrSet flow through @Cacheable unchanged.
  const { key, tags, condition, unless, cacheNull = true, namespace, ...getOrSet } = options;
  const ns = checkNamespace(namespace, failOn);
  const { fixed, computed } = splitTags(tags, extraTags, failOn, context.keys);
  const tag = namespaceTag(ns, context.className);
  if (context.clearableNamespaces.has(tag)) fixed.push(tag);
  let lookup: ResolvedGetOrSet;
  try {
    lookup = resolveGetOrSetOptions(
      { ...getOrSet, tags: fixed },
      context.defaultTtlMs,
      context.keys,
      `${decorator}(${label})`,
    );
  } catch (error) {
    const where = `${decorator}(${label}).`;
    const option = (error as { option?: string }).option;
    return failOn(
      option?.startsWith(where) ? option.slice(where.length) : 'options',
      reason(error),
      error,
    );
  }
  checkFunction(condition, 'condition', failOn);
  checkFunction(unless, 'unless', failOn);
  if (typeof cacheNull !== 'boolean')
    failOn('cacheNull', `must be true or false, got ${describe(cacheNull)}`);
  return {
    decorator,
    key: keyResolver(key, label, ns, failOn),
    lookup,
    write: { ttl: getOrSet.ttl, tags: fixed },
    callTags: computedTags(computed, label, context.keys),
    hasCallTags: computed.length > 0,
    condition: condition && ((args) => Boolean(condition(...args))),
    shouldStore: (value, args) =>
      !(value === null && !cacheNull) && !(unless !== undefined && unless(value, ...args)),
    checksStore: unless !== undefined || !cacheNull,
  };
}

function planEvict(
  options: CacheEvictOptions,
  label: string,
  context: PlanContext,
  fail: Fail,
): EvictPlan {
  const failOn = (option: string, problem: string, cause?: unknown) =>
    fail('@CacheEvict', problem, option, cause);
  if (typeof options !== 'object' || options === null)
    fail('@CacheEvict', `expects an options object, got ${describe(options)}`);
  checkNames(options, EVICT_OPTION_NAMES, failOn);
  const { key, tags, allEntries = false, beforeInvocation = false, namespace, condition } = options;
  const ns = checkNamespace(namespace, failOn);
  if (typeof allEntries !== 'boolean')
    failOn('allEntries', `must be true or false, got ${describe(allEntries)}`);
  if (typeof beforeInvocation !== 'boolean')
    failOn('beforeInvocation', `must be true or false, got ${describe(beforeInvocation)}`);
  if (key === undefined && tags === undefined && !allEntries)
    fail('@CacheEvict', 'needs a key, tags or allEntries: true (there is nothing to evict)');
  checkFunction(condition, 'condition', failOn);
  const { fixed, computed } = splitTags(tags, [], failOn, context.keys);
  if (allEntries) fixed.push(namespaceTag(ns, context.className));
  const fromArgs = computedTags(computed, label, context.keys);
  return {
    key: key === undefined ? undefined : keyResolver(key, label, ns, failOn),
    tags: computed.length === 0 ? () => fixed : (args) => [...fixed, ...fromArgs(args)],
    beforeInvocation,
    condition: condition && ((args) => Boolean(condition(...args))),
  };
}

function keyResolver(
  key: unknown,
  label: string,
  namespace: string | undefined,
  failOn: (option: string, problem: string, cause?: unknown) => never,
): MethodKeyResolver {
  if (key !== undefined && typeof key !== 'function' && (typeof key !== 'string' || key === ''))
    failOn('key', `must be a non-empty template string or a function, got ${describe(key)}`);
  try {
    return methodKeyResolver(
      key as string | ((...args: unknown[]) => string) | undefined,
      label,
      namespace,
    );
  } catch (error) {
    return failOn('key', `is not a valid template: ${reason(error)}`, error);
  }
}

function checkNamespace(
  namespace: unknown,
  failOn: (option: string, problem: string) => never,
): string | undefined {
  if (namespace === undefined) return undefined;
  if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 128)
    failOn('namespace', `must be a string of 1-128 characters, got ${describe(namespace)}`);
  return namespace as string;
}

/** A name outside `known` is most likely a typo: refused rather than ignored. */
function checkNames(
  options: object,
  known: readonly string[],
  failOn: (option: string, problem: string) => never,
): void {
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) failOn(name, `is not an option here (known: ${known.join(', ')})`);
  }
}

function checkFunction(
  value: unknown,
  option: string,
  failOn: (option: string, problem: string) => never,
): void {
  if (value !== undefined && typeof value !== 'function')
    failOn(option, `must be a function, got ${describe(value)}`);
}

type TagFunction = (...args: unknown[]) => string | string[];

/** Fixed tags are checked now; functions are kept for each call. */
function splitTags(
  tags: unknown,
  extra: CacheTagSource[],
  failOn: (option: string, problem: string, cause?: unknown) => never,
  keys: KeySpace,
): { fixed: string[]; computed: TagFunction[] } {
  const sources: unknown[] = [...extra];
  if (typeof tags === 'function') sources.push(tags);
  else if (Array.isArray(tags)) sources.push(...(tags as unknown[]));
  else if (tags !== undefined)
    failOn('tags', `must be an array of strings or a function, got ${describe(tags)}`);
  const fixed: string[] = [];
  const computed: TagFunction[] = [];
  for (const source of sources) {
    if (typeof source === 'function') {
      computed.push(source as TagFunction);
      continue;
    }
    try {
      keys.tag(source);
    } catch (error) {
      failOn('tags', reason(error), error);
    }
    fixed.push(source as string);
  }
  return { fixed, computed };
}

function computedTags(functions: TagFunction[], label: string, keys: KeySpace) {
  if (functions.length === 0) return () => [];
  return (args: Args): string[] => {
    const tags: string[] = [];
    for (const compute of functions) {
      const result: unknown = compute(...args);
      for (const tag of Array.isArray(result) ? result : [result]) {
        try {
          keys.tag(tag);
        } catch (error) {
          throw new CacheKeyResolutionError(
            label,
            `a tag function returned an invalid tag: ${reason(error)}`,
            error,
          );
        }
        tags.push(tag as string);
      }
    }
    return tags;
  };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}

/** The message of a library error without its 'nestjs-redis-cache: ' prefix, for nesting. */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^nestjs-redis-cache: /, '');
}
