// Validates the options of the caching decorators on one method, once at bootstrap, into the
// plan its invoker runs. Every problem is a CacheDecoratorError naming `ClassName.method`.
import { CacheDecoratorError } from '../errors/cache-decorator.error.js';
import type { KeySpace } from '../keys/key-space.js';
import type { MethodKeyResolver } from '../keys/method-key.js';
import { flag, mustBe } from '../options/option-kit.js';
import { CacheConfigError } from '../errors/cache-config.error.js';
import {
  GET_OR_SET_OPTION_NAMES,
  resolveGetOrSetOptions,
  type CacheWriteOptions,
  type GetOrSetOptions,
} from '../service/get-or-set-options.js';
import type { ResolvedGetOrSet } from '../lookup/lookup-request.js';
import type { DecoratedMethodMetadata } from './cache-metadata.accessor.js';
import type { MethodFunction } from './cached-method.js';
import {
  checkDecorator,
  decoratorOptions,
  decoratorPath,
  keyOption,
  optionalFunction,
  tagOption,
  type Args,
} from './method-plan-kit.js';

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

type Condition = (...args: unknown[]) => unknown;

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
  /** Namespace tags the methods storing the same keys carry (key-family.check.ts). */
  familyTags?: readonly string[];
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
export function clearedNamespaces(metadata: DecoratedMethodMetadata, className: string): string[] {
  return metadata.evicts
    .filter((evict) => evict?.allEntries === true)
    .map((evict) =>
      namespaceTag(typeof evict.namespace === 'string' ? evict.namespace : undefined, className),
    );
}

export function planCachedMethod(
  metadata: DecoratedMethodMetadata,
  context: PlanContext,
): CachedMethodPlan {
  const label = `${context.className}.${metadata.method.methodName}`;
  const fail = (decorator: string, problem: string): never => {
    throw new CacheDecoratorError(decorator, label, problem);
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
      ? checkDecorator(decorator, label, () =>
          planStore(decorator, storeOptions, metadata.tags.flat(), label, context),
        )
      : undefined,
    evicts: metadata.evicts.map((options) =>
      checkDecorator('@CacheEvict', label, () => planEvict(options, label, context)),
    ),
  };
}

function planStore(
  decorator: '@Cacheable' | '@CachePut',
  given: unknown,
  extraTags: unknown[],
  label: string,
  context: PlanContext,
): StorePlan {
  // Decorator-only options stay here; the rest is getOrSet's and is resolved by its own code, so
  // options added to getOrSet flow through @Cacheable unchanged.
  const { key, tags, condition, unless, cacheNull, namespace, ...getOrSet } = decoratorOptions(
    given,
    STORE_OPTION_NAMES,
  );
  const ns = namespaceOption(namespace);
  const tagPlan = tagOption(tags, extraTags, label, context.keys);
  const fixed = [...tagPlan.fixed];
  const tag = namespaceTag(ns, context.className);
  if (context.clearableNamespaces.has(tag)) fixed.push(tag);
  for (const inherited of context.familyTags ?? [])
    if (!fixed.includes(inherited)) fixed.push(inherited);
  const lookup = resolveGetOrSetOptions(
    { ...(getOrSet as GetOrSetOptions), tags: fixed },
    context.defaultTtlMs,
    context.keys,
    decoratorPath(decorator, label),
  );
  const when = optionalFunction<Condition>(condition, 'condition');
  const skip = optionalFunction<Condition>(unless, 'unless');
  const storeNull = flag(cacheNull ?? true, 'cacheNull');
  if (!storeNull && lookup.nullTtlMs !== undefined)
    throw new CacheConfigError(
      'nullTtl',
      'has no effect with cacheNull: false (null is not stored)',
    );
  return {
    decorator,
    key: keyOption(key, label, ns, false),
    lookup,
    write: { ttl: (getOrSet as GetOrSetOptions).ttl, tags: fixed },
    callTags: tagPlan.computed,
    hasCallTags: tagPlan.dynamic,
    condition: when && ((args) => Boolean(when(...args))),
    shouldStore: (value, args) =>
      !(value === null && !storeNull) && !(skip !== undefined && skip(value, ...args)),
    checksStore: skip !== undefined || !storeNull,
  };
}

function planEvict(given: unknown, label: string, context: PlanContext): EvictPlan {
  const { key, tags, allEntries, beforeInvocation, namespace, condition } = decoratorOptions(
    given,
    EVICT_OPTION_NAMES,
  );
  const ns = namespaceOption(namespace);
  const all = flag(allEntries ?? false, 'allEntries');
  const before = flag(beforeInvocation ?? false, 'beforeInvocation');
  if (key === undefined && tags === undefined && !all)
    throw new CacheDecoratorError(
      '@CacheEvict',
      label,
      'needs a key, tags or allEntries: true (there is nothing to evict)',
    );
  const when = optionalFunction<Condition>(condition, 'condition');
  const cleared = all ? [namespaceTag(ns, context.className)] : [];
  return {
    key: key === undefined ? undefined : keyOption(key, label, ns, true),
    tags: tagOption(tags, cleared, label, context.keys).all,
    beforeInvocation: before,
    condition: when && ((args) => Boolean(when(...args))),
  };
}

function namespaceOption(namespace: unknown): string | undefined {
  if (namespace === undefined) return undefined;
  if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 128)
    throw new CacheConfigError('namespace', mustBe('a string of 1-128 characters', namespace));
  return namespace;
}
