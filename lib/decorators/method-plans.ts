// Validates the decorators on one method, once at bootstrap, into the function each of its calls
// runs through this app's cache engine: the caching family (evictions before, the lookup of
// @Cacheable or the write of @CachePut, evictions after success) or the write family (persist then
// cache for @WriteThrough, cache and queue for @WriteBehind). Every problem is a
// CacheDecoratorError naming `ClassName.method`.
import { defer, isObservable, lastValueFrom } from 'rxjs';
import type { CacheEngine } from '../engine/cache-engine.js';
import { CacheConfigError, CacheDecoratorError } from '../errors/errors.js';
import type { LookupContext } from '../lookup/lookup-request.js';
import { duration, flag, mustBe } from '../options/option-kit.js';
import { GET_OR_SET_OPTION_NAMES, resolveGetOrSetOptions } from '../service/get-or-set-options.js';
import type { Ttl } from '../time/ttl.js';
import { JOB_OPTION_NAMES, resolveJobOptions } from '../write/write-behind-options.js';
import { hasCachingDecorators, type CacheInvoker, type CachedMethod } from './cached-method.js';
import {
  checkDecorator,
  decoratorOptions,
  decoratorPath,
  getOrSetOptionsIn,
  keyOption,
  optionalFunction,
  tagOption,
  type Args,
} from './method-plan-kit.js';

const STORE_OPTIONS = ['key', 'condition', 'unless', 'cacheNull', 'namespace'];
const EVICT_OPTIONS = ['key', 'tags', 'allEntries', 'beforeInvocation', 'namespace', 'condition'];
const THROUGH_OPTIONS = ['key', 'ttl', 'tags', 'value'];

type Invoke = (instance: object, args: Args) => Promise<unknown>;
type UserFunction = (...args: unknown[]) => unknown;
/** One @CacheEvict's work for a call: undefined when its condition skips it. */
type Eviction = (args: Args) => { key?: string; tags: string[]; before: boolean } | undefined;

export interface PlanContext {
  engine: CacheEngine;
  className: string;
  /** `ClassName.method`. */
  label: string;
  /** Internal tags of the namespaces some `@CacheEvict({ allEntries: true })` clears. */
  clearableNamespaces: ReadonlySet<string>;
  /** Namespace tags the methods storing the same keys carry (key-family.check.ts). */
  familyTags: readonly string[];
  /** The method's declared return type is Observable: the invoker returns one too. */
  returnsObservable: boolean;
}

/** What the explorer installs: the invoker, and for @WriteBehind the writer name of its jobs. */
export interface MethodWiring {
  invoker: CacheInvoker;
  writer?: string;
}

/** The internal tag entries of a clearable namespace carry: the decorator's `namespace`, else the class name. */
export function namespaceTag(namespace: string | undefined, className: string): string {
  return namespace === undefined
    ? `redis_cache:class:${className}`
    : `redis_cache:namespace:${namespace}`;
}

export function clearedNamespaces(method: CachedMethod, className: string): string[] {
  return (method.options['@CacheEvict'] as { allEntries?: unknown; namespace?: unknown }[])
    .filter((evict) => evict?.allEntries === true)
    .map((evict) =>
      namespaceTag(typeof evict.namespace === 'string' ? evict.namespace : undefined, className),
    );
}

/** The method's invoker, once every option of its decorators is valid (nothing is installed yet). */
export function planMethod(method: CachedMethod, context: PlanContext): MethodWiring {
  const { '@WriteThrough': throughs, '@WriteBehind': behinds } = method.options;
  return throughs.length + behinds.length > 0
    ? planWriteMethod(method, context)
    : { invoker: planCachedMethod(method, context) };
}

function planCachedMethod(method: CachedMethod, context: PlanContext): CacheInvoker {
  const { label } = context;
  const { '@Cacheable': cacheable, '@CachePut': puts, '@CacheTags': tags } = method.options;
  const fail = (decorator: string, problem: string): never => {
    throw new CacheDecoratorError(decorator, label, problem);
  };
  if (cacheable.length > 1) fail('@Cacheable', 'is applied more than once');
  if (puts.length > 1) fail('@CachePut', 'is applied more than once');
  if (cacheable.length > 0 && puts.length > 0)
    fail('@Cacheable', 'cannot be combined with @CachePut on the same method');
  const storeOptions = cacheable[0] ?? puts[0];
  const decorator = cacheable.length > 0 ? '@Cacheable' : '@CachePut';
  if (tags.length > 0 && !storeOptions)
    fail(
      '@CacheTags',
      'needs @Cacheable or @CachePut on the same method (it tags what they store)',
    );
  const { original } = method;
  const { returnsObservable } = context;
  // An Observable result becomes its last value.
  const call: Invoke = async (instance, args) => {
    const result = original.apply(instance, args as unknown[]);
    if (!isObservable(result)) return result;
    if (!returnsObservable)
      fail(
        storeOptions ? decorator : '@CacheEvict',
        'returned an Observable, but its declared return type is not Observable. Declare it ' +
          '(e.g. `findOne(id: string): Observable<Product>`) so that cache hits are returned as an Observable too.',
      );
    return lastValueFrom(result);
  };
  const stored = storeOptions
    ? checkDecorator(decorator, label, () =>
        planStore(decorator, storeOptions, (tags as unknown[][]).flat(), context, call),
      )
    : call;
  const evictions = method.options['@CacheEvict'].map((options) =>
    checkDecorator('@CacheEvict', label, () => planEvict(options, context)),
  );
  const invoke: Invoke =
    evictions.length === 0
      ? stored
      : async (instance, args) => {
          // Keys and tags come from the arguments as they are before the method runs (it may
          // mutate them), and a key that cannot be built fails the call before anything happens.
          const due = evictions.flatMap((eviction) => eviction(args) ?? []);
          await evict(context.engine, due, true);
          const result = await stored(instance, args);
          await evict(context.engine, due, false);
          return result;
        };
  // A method declared to return an Observable gets one back, lazy like the original: the cache
  // is read when it is subscribed to. Everything else gets a Promise, sync methods included.
  return returnsObservable
    ? (instance, args) => defer(() => invoke(instance, args))
    : (invoke as CacheInvoker);
}

/** How @Cacheable looks the result up, or how @CachePut stores it. */
function planStore(
  decorator: '@Cacheable' | '@CachePut',
  given: unknown,
  extraTags: unknown[],
  context: PlanContext,
  call: Invoke,
): Invoke {
  const { engine, className, label } = context;
  const options = decoratorOptions(given, [...STORE_OPTIONS, ...GET_OR_SET_OPTION_NAMES]);
  const { key, tags, condition, unless, cacheNull, namespace } = options;
  const getOrSet = getOrSetOptionsIn(options);
  const ns = namespaceOption(namespace);
  const tagPlan = tagOption(tags, extraTags, label, engine.keys);
  const fixed = [...tagPlan.fixed];
  const tag = namespaceTag(ns, className);
  if (context.clearableNamespaces.has(tag)) fixed.push(tag);
  for (const inherited of context.familyTags) if (!fixed.includes(inherited)) fixed.push(inherited);
  const lookup = resolveGetOrSetOptions(
    { ...getOrSet, tags: fixed },
    engine.options.ttlMs,
    engine.keys,
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
  const keyOf = keyOption(key, label, ns, false);
  const callTags = tagPlan.computed;
  const shouldStore = (value: unknown, args: Args) =>
    !(value === null && !storeNull) && !(skip !== undefined && skip(value, ...args));

  if (decorator === '@CachePut')
    return async (instance, args) => {
      if (when && !when(args)) return call(instance, args);
      const key = keyOf(args);
      const computed = callTags(args);
      const value = await call(instance, args);
      if (value === undefined || !shouldStore(value, args)) return value;
      const { nullTtlMs } = lookup;
      const ttl =
        value === null && nullTtlMs !== undefined ? (`${nullTtlMs}ms` as const) : getOrSet.ttl;
      await engine.writer.setComputed(key, value, { tags: [...fixed, ...computed], ttl }, label);
      return value;
    };

  // So that a hit costs what a `getOrSet` hit costs: no async layer, no arrays, a shared lookup
  // context unless `unless`/`cacheNull: false` need the arguments; one closure per call.
  const reads = engine.lookup;
  const hasCallTags = tagPlan.dynamic;
  const shared: LookupContext | undefined =
    skip !== undefined || !storeNull ? undefined : Object.freeze({ method: label });
  return (instance, args) => {
    let key: string;
    let options = lookup;
    // As for the other decorators: keys from the arguments before the method runs; a bad key rejects.
    try {
      if (when && !when(args)) return call(instance, args);
      key = keyOf(args);
      if (hasCallTags) {
        const computed = callTags(args);
        if (computed.length > 0) options = { ...lookup, tags: [...lookup.tags, ...computed] };
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const context = shared ?? {
      method: label,
      shouldStore: (value: unknown) => shouldStore(value, args),
    };
    return reads.getOrSet(key, () => call(instance, args), options, context);
  };
}

function planEvict(given: unknown, context: PlanContext): Eviction {
  const { label } = context;
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
  const keyOf = key === undefined ? undefined : keyOption(key, label, ns, true);
  const tagsOf = tagOption(tags, cleared, label, context.engine.keys).all;
  return (args) =>
    when && !when(args) ? undefined : { key: keyOf?.(args), tags: tagsOf(args), before };
}

async function evict(
  engine: CacheEngine,
  all: { key?: string; tags: string[]; before: boolean }[],
  before: boolean,
): Promise<void> {
  const evictions = all.filter((e) => e.before === before);
  if (evictions.length === 0) return;
  const keys = evictions.flatMap((e) => (e.key === undefined ? [] : [e.key]));
  const tags = evictions.flatMap((e) => e.tags);
  await Promise.all([
    keys.length > 0 ? engine.cache.del(...keys) : undefined,
    tags.length > 0 ? engine.cache.invalidateTags(...tags) : undefined,
  ]);
}

function planWriteMethod(method: CachedMethod, context: PlanContext): MethodWiring {
  const { engine, label } = context;
  const { '@WriteThrough': throughs, '@WriteBehind': behinds } = method.options;
  const behind = behinds.length > 0;
  const decorator = behind ? '@WriteBehind' : '@WriteThrough';
  const fail = (problem: string): never => {
    throw new CacheDecoratorError(decorator, label, problem);
  };
  if (throughs.length > 0 && behind)
    fail('cannot be combined with @WriteThrough on the same method');
  if (throughs.length + behinds.length > 1) fail('is applied more than once');
  if (hasCachingDecorators(method))
    fail(
      'cannot be combined with @Cacheable, @CachePut, @CacheEvict or @CacheTags on the same method',
    );
  return checkDecorator(decorator, label, () => {
    const options = decoratorOptions(
      behinds[0] ?? throughs[0],
      behind ? [...THROUGH_OPTIONS, ...JOB_OPTION_NAMES] : THROUGH_OPTIONS,
    );
    const keyOf = keyOption(options.key, label, undefined, true);
    const ttl = options.ttl as Ttl | undefined;
    if (ttl !== undefined) duration(ttl, `${decoratorPath(decorator, label)}.ttl`);
    // The family's namespace tags come first, as fixed tags.
    const tagsOf = tagOption(options.tags, context.familyTags, label, engine.keys).all;
    const pick = optionalFunction<UserFunction>(options.value, 'value');
    if (behind && !pick && method.original.length === 0)
      throw new CacheConfigError(
        'value',
        'is needed: the first argument is cached by default, but the method declares none',
      );
    const { writes, writer: writeTarget } = engine;
    if (!behind)
      return {
        invoker: async (instance, args) => {
          // Key and tags come from the arguments as they are before the method runs (it may mutate them).
          const key = keyOf(args);
          const tags = tagsOf(args);
          return writes.persistThenCache(
            writeTarget,
            key,
            () => method.original.apply(instance, args),
            (result) => (pick ? pick(result, ...args) : result),
            { ttl, tags },
          );
        },
      };
    const job = resolveJobOptions(options, engine.options.writeBehind, '');
    // A @WriteBehind method is also the writer of its own jobs, under its label.
    return {
      writer: label,
      invoker: async (_instance, args) => {
        await writes.submit(writeTarget, {
          key: keyOf(args),
          value: pick ? pick(...args) : args[0],
          writer: label,
          data: args,
          cache: { ttl, tags: tagsOf(args) },
          job,
        });
      },
    };
  });
}

function conditionOption(condition: unknown): ((args: Args) => boolean) | undefined {
  const when = optionalFunction<UserFunction>(condition, 'condition');
  return when && ((args) => Boolean(when(...args)));
}

function namespaceOption(namespace: unknown): string | undefined {
  if (namespace === undefined) return undefined;
  if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 128)
    throw new CacheConfigError('namespace', mustBe('a string of 1-128 characters', namespace));
  return namespace;
}
