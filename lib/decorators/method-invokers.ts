// Builds the function that runs one call of a decorated method through this app's cache engine:
// evictions before, the lookup (@Cacheable) or the write (@CachePut), evictions after success;
// or persist then cache (@WriteThrough), or cache and queue (@WriteBehind).
import { defer, isObservable, lastValueFrom } from 'rxjs';
import { CacheDecoratorError } from '../errors/errors.js';
import type { CacheEngine } from '../engine/cache-engine.js';
import type { LookupContext } from '../lookup/lookup-request.js';
import type { CacheInvoker } from './cached-method.js';
import type { Args } from './method-plan-kit.js';
import type { CachedMethodPlan, StorePlan, WriteMethodPlan } from './method-plans.js';

type Invoke = (instance: object, args: Args) => Promise<unknown>;

export function cachedMethodInvoker(plan: CachedMethodPlan, engine: CacheEngine): CacheInvoker {
  const { store, evicts } = plan;
  const call: Invoke = (instance, args) => callOriginal(plan, instance, args);
  const stored: Invoke = !store
    ? call
    : store.decorator === '@Cacheable'
      ? cacheable(plan, store, engine, call)
      : (instance, args) => put(plan, store, engine, call, instance, args);
  const invoke: Invoke =
    evicts.length === 0
      ? stored
      : async (instance, args) => {
          // Keys and tags come from the arguments as they are before the method runs (it may
          // mutate them), and a key that cannot be built fails the call before anything happens.
          const evictions = evicts
            .filter((evict) => !evict.condition || evict.condition(args))
            .map((evict) => ({
              key: evict.key?.(args),
              tags: evict.tags(args),
              before: evict.beforeInvocation,
            }));
          await evict(engine, evictions, true);
          const result = await stored(instance, args);
          await evict(engine, evictions, false);
          return result;
        };
  // A method declared to return an Observable gets one back, lazy like the original: the cache
  // is read when it is subscribed to. Everything else gets a Promise, sync methods included.
  return plan.returnsObservable
    ? (instance, args) => defer(() => invoke(instance, args))
    : (invoke as CacheInvoker);
}

// Planned once so a hit costs what a `getOrSet` hit costs: no async layer, no arrays, a shared
// lookup context unless `unless`/`cacheNull: false` need the arguments; one closure per call.
function cacheable(plan: CachedMethodPlan, store: StorePlan, engine: CacheEngine, call: Invoke) {
  const reads = engine.lookup;
  const { key: keyOf, lookup, condition, hasCallTags } = store;
  const shared: LookupContext | undefined = store.checksStore
    ? undefined
    : Object.freeze({ method: plan.label });
  return (instance: object, args: Args): Promise<unknown> => {
    let key: string;
    let options = lookup;
    // As in the other invokers: keys from the arguments before the method runs; a bad key rejects.
    try {
      if (condition && !condition(args)) return call(instance, args);
      key = keyOf(args);
      if (hasCallTags) {
        const callTags = store.callTags(args);
        if (callTags.length > 0) options = { ...lookup, tags: [...lookup.tags, ...callTags] };
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const context = shared ?? {
      method: plan.label,
      shouldStore: (value: unknown) => store.shouldStore(value, args),
    };
    return reads.getOrSet(key, () => call(instance, args), options, context);
  };
}

async function put(
  plan: CachedMethodPlan,
  store: StorePlan,
  engine: CacheEngine,
  call: Invoke,
  instance: object,
  args: Args,
): Promise<unknown> {
  if (store.condition && !store.condition(args)) return call(instance, args);
  const key = store.key(args);
  const callTags = store.callTags(args);
  const value = await call(instance, args);
  if (value !== undefined && store.shouldStore(value, args)) {
    const tags = [...(store.write.tags ?? []), ...callTags];
    const { nullTtlMs } = store.lookup;
    const ttl =
      value === null && nullTtlMs !== undefined ? (`${nullTtlMs}ms` as const) : store.write.ttl;
    await engine.writer.setComputed(key, value, { tags, ttl }, plan.label);
  }
  return value;
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

/** The original method with its `this` and arguments; an Observable result becomes its last value. */
async function callOriginal(
  plan: CachedMethodPlan,
  instance: object,
  args: Args,
): Promise<unknown> {
  const result = plan.original.apply(instance, args as unknown[]);
  if (!isObservable(result)) return result;
  if (!plan.returnsObservable) {
    throw new CacheDecoratorError(
      plan.store?.decorator ?? '@CacheEvict',
      plan.label,
      'returned an Observable, but its declared return type is not Observable. Declare it ' +
        '(e.g. `findOne(id: string): Observable<Product>`) so that cache hits are returned as an Observable too.',
    );
  }
  return lastValueFrom(result);
}

export function writeMethodInvoker(plan: WriteMethodPlan, engine: CacheEngine): CacheInvoker {
  const { writes: strategies, writer: cache } = engine;
  if (plan.kind === 'through')
    return async (instance, args) => {
      // Key and tags come from the arguments as they are before the method runs (it may mutate them).
      const key = plan.key(args);
      const tags = plan.tags(args);
      return strategies.persistThenCache(
        cache,
        key,
        () => plan.original.apply(instance, args),
        (result) => plan.value(result, args),
        { ttl: plan.ttl, tags },
      );
    };
  return async (_instance, args) => {
    await strategies.submit(cache, {
      key: plan.key(args),
      value: plan.value(undefined, args),
      writer: plan.label,
      data: args,
      cache: { ttl: plan.ttl, tags: plan.tags(args) },
      job: plan.job,
    });
  };
}
