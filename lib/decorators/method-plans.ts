// Validates the options of the decorators on one method, once at bootstrap, into the plan its
// invoker runs: the caching family (@Cacheable, @CachePut, @CacheEvict, @CacheTags) or the write
// family (@WriteThrough, @WriteBehind). Every problem is a CacheDecoratorError naming `ClassName.method`.
import { CacheConfigError, CacheDecoratorError } from '../errors/errors.js';
import type { KeySpace } from '../keys/key-space.js';
import type { MethodKeyResolver } from '../keys/method-key.js';
import type { ResolvedGetOrSet } from '../lookup/lookup-request.js';
import { duration, flag, mustBe } from '../options/option-kit.js';
import type { ResolvedJobOptions } from '../options/resolved-options.js';
import {
  GET_OR_SET_OPTION_NAMES,
  resolveGetOrSetOptions,
  type CacheWriteOptions,
  type GetOrSetOptions,
} from '../service/get-or-set-options.js';
import type { Ttl } from '../time/ttl.js';
import { JOB_OPTION_NAMES, resolveJobOptions } from '../write/write-behind-options.js';
import {
  hasCachingDecorators,
  type DecoratedMethodMetadata,
  type MethodFunction,
} from './cached-method.js';
import {
  checkDecorator,
  decoratorOptions,
  decoratorPath,
  keyOption,
  optionalFunction,
  tagOption,
  type Args,
} from './method-plan-kit.js';

// `cache` (the named cache) is read by the explorer (cache-name.ts) before the plans.
const STORE_OPTIONS = ['key', 'condition', 'unless', 'cacheNull', 'namespace', 'cache'];
const EVICT_OPTIONS = [
  'key',
  'tags',
  'allEntries',
  'beforeInvocation',
  'namespace',
  'condition',
  'cache',
];
const THROUGH_OPTIONS = ['key', 'ttl', 'tags', 'value', 'cache'];

type Condition = (args: Args) => boolean;
type UserFunction = (...args: unknown[]) => unknown;

/** How @Cacheable or @CachePut stores the result. */
export interface StorePlan {
  decorator: '@Cacheable' | '@CachePut';
  key: MethodKeyResolver;
  /** For lookup(): resolved once; per-call tags are appended. */
  lookup: ResolvedGetOrSet;
  /** For @CachePut: the validated TTL and the fixed tags. */
  write: CacheWriteOptions;
  callTags: (args: Args) => string[];
  /** False when callTags always returns []. */
  hasCallTags: boolean;
  /** False: bypass the cache for this call. */
  condition?: Condition;
  shouldStore: (value: unknown, args: Args) => boolean;
  /** False when every result is stored (no `unless`, `cacheNull` on): no per-call check. */
  checksStore: boolean;
}

interface EvictPlan {
  key?: MethodKeyResolver;
  tags: (args: Args) => string[];
  beforeInvocation: boolean;
  condition?: Condition;
}

export interface CachedMethodPlan {
  label: string;
  original: MethodFunction;
  /** The method's declared return type is Observable: the invoker returns one too. */
  returnsObservable: boolean;
  store?: StorePlan;
  evicts: EvictPlan[];
}

export interface WriteMethodPlan {
  kind: 'through' | 'behind';
  /** `ClassName.method`; also the writer name of a @WriteBehind method. */
  label: string;
  original: MethodFunction;
  key: MethodKeyResolver;
  tags: (args: Args) => string[];
  ttl?: Ttl;
  /** The value to cache: from the result (@WriteThrough) or the arguments (@WriteBehind). */
  value: (result: unknown, args: Args) => unknown;
  job: ResolvedJobOptions;
}

export interface PlanContext {
  className: string;
  defaultTtlMs: number;
  keys: KeySpace;
  jobDefaults: ResolvedJobOptions;
  /** Internal tags of the namespaces some `@CacheEvict({ allEntries: true })` clears. */
  clearableNamespaces: ReadonlySet<string>;
  /** Namespace tags the methods storing the same keys carry (key-family.check.ts). */
  familyTags?: readonly string[];
  returnsObservable: boolean;
}

/** The internal tag entries of a clearable namespace carry: the decorator's `namespace`, else the class name. */
export function namespaceTag(namespace: string | undefined, className: string): string {
  return namespace === undefined
    ? `redis_cache:class:${className}`
    : `redis_cache:namespace:${namespace}`;
}

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
  const {
    key,
    tags,
    condition,
    unless,
    cacheNull,
    namespace,
    cache: _,
    ...getOrSet
  } = decoratorOptions(given, [...STORE_OPTIONS, ...GET_OR_SET_OPTION_NAMES]);
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
  const when = conditionOption(condition);
  const skip = optionalFunction<UserFunction>(unless, 'unless');
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
    condition: when,
    shouldStore: (value, args) =>
      !(value === null && !storeNull) && !(skip !== undefined && skip(value, ...args)),
    checksStore: skip !== undefined || !storeNull,
  };
}

function planEvict(given: unknown, label: string, context: PlanContext): EvictPlan {
  const { key, tags, allEntries, beforeInvocation, namespace, condition } = decoratorOptions(
    given,
    EVICT_OPTIONS,
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
  const when = conditionOption(condition);
  const cleared = all ? [namespaceTag(ns, context.className)] : [];
  return {
    key: key === undefined ? undefined : keyOption(key, label, ns, true),
    tags: tagOption(tags, cleared, label, context.keys).all,
    beforeInvocation: before,
    condition: when,
  };
}

export function planWriteMethod(
  metadata: DecoratedMethodMetadata,
  context: PlanContext,
): WriteMethodPlan {
  const { throughs, behinds, method } = metadata;
  const label = `${context.className}.${method.methodName}`;
  const behind = behinds.length > 0;
  const decorator = behind ? '@WriteBehind' : '@WriteThrough';
  const fail = (problem: string): never => {
    throw new CacheDecoratorError(decorator, label, problem);
  };
  if (throughs.length > 0 && behind)
    fail('cannot be combined with @WriteThrough on the same method');
  if (throughs.length + behinds.length > 1) fail('is applied more than once');
  if (hasCachingDecorators(metadata))
    fail(
      'cannot be combined with @Cacheable, @CachePut, @CacheEvict or @CacheTags on the same method',
    );
  return checkDecorator(decorator, label, () => {
    const options = decoratorOptions(
      behinds[0] ?? throughs[0],
      behind ? [...THROUGH_OPTIONS, ...JOB_OPTION_NAMES] : THROUGH_OPTIONS,
    );
    const key = keyOption(options.key, label, undefined, true);
    if (options.ttl !== undefined) duration(options.ttl, `${decoratorPath(decorator, label)}.ttl`);
    const tagPlan = tagOption(options.tags, [], label, context.keys);
    const familyTags = context.familyTags ?? [];
    const pick = optionalFunction<UserFunction>(options.value, 'value');
    if (behind && !pick && method.original.length === 0)
      throw new CacheConfigError(
        'value',
        'is needed: the first argument is cached by default, but the method declares none',
      );
    return {
      kind: behind ? 'behind' : 'through',
      label,
      original: method.original,
      key,
      tags: familyTags.length === 0 ? tagPlan.all : (args) => [...familyTags, ...tagPlan.all(args)],
      ttl: options.ttl as Ttl | undefined,
      value: behind
        ? (_result, args) => (pick ? pick(...args) : args[0])
        : (result, args) => (pick ? pick(result, ...args) : result),
      job: behind ? resolveJobOptions(options, context.jobDefaults, '') : context.jobDefaults,
    };
  });
}

function conditionOption(condition: unknown): Condition | undefined {
  const when = optionalFunction<UserFunction>(condition, 'condition');
  return when && ((args) => Boolean(when(...args)));
}

function namespaceOption(namespace: unknown): string | undefined {
  if (namespace === undefined) return undefined;
  if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 128)
    throw new CacheConfigError('namespace', mustBe('a string of 1-128 characters', namespace));
  return namespace;
}
