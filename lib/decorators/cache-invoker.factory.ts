// Builds the function that runs one call of a decorated method through the cache: evictions
// before, the lookup (@Cacheable) or the write (@CachePut), evictions after success. Built
// through DI, so it holds this app's cache engine and nothing global.
import { Inject, Injectable } from '@nestjs/common';
import { defer, isObservable, lastValueFrom } from 'rxjs';
import { CacheDecoratorError } from '../errors/cache-decorator.error.js';
import { CACHE_ENGINE } from '../engine/cache-engine.constants.js';
import type { CacheEngine } from '../engine/cache-engine.js';
import type { CacheInvoker } from './cached-method.js';
import type { LookupContext } from '../lookup/lookup-request.js';
import type { CachedMethodPlan, EvictPlan, StorePlan } from './cached-method-plan.js';

type Args = readonly unknown[];

interface Eviction {
  key?: string;
  tags: string[];
  beforeInvocation: boolean;
}

@Injectable()
export class CacheInvokerFactory {
  constructor(@Inject(CACHE_ENGINE) private readonly engine: CacheEngine) {}

  create(plan: CachedMethodPlan): CacheInvoker {
    const invoke = this.invoker(plan);
    // A method declared to return an Observable gets one back, lazy like the original: the cache
    // is read when it is subscribed to. Everything else gets a Promise, sync methods included.
    return plan.returnsObservable
      ? (instance, args) => defer(() => invoke(instance, args))
      : invoke;
  }

  private invoker(plan: CachedMethodPlan): (instance: object, args: Args) => Promise<unknown> {
    const store = plan.store;
    if (store?.decorator === '@Cacheable' && plan.evicts.length === 0)
      return this.cacheableInvoker(plan, store);
    return (instance, args) => this.run(plan, instance, args);
  }

  /**
   * `@Cacheable` without `@CacheEvict`, the common case, planned here once so that a hit costs
   * what a `getOrSet` hit costs: no async layer, no arrays, the lookup context shared by every
   * call unless `unless`/`cacheNull: false` need the call's arguments; one closure per call
   * (the factory, run on a miss only).
   */
  private cacheableInvoker(
    plan: CachedMethodPlan,
    store: StorePlan,
  ): (instance: object, args: Args) => Promise<unknown> {
    const { lookup: reads } = this.engine;
    const { key: keyOf, lookup, condition, hasCallTags } = store;
    const shared: LookupContext | undefined = store.checksStore
      ? undefined
      : Object.freeze({ method: plan.label });
    return (instance, args) => {
      let key: string;
      let options = lookup;
      // Keys and tags come from the arguments as they are before the method runs, and a key that
      // cannot be built fails the call (a rejection, as from the other invokers) before anything.
      try {
        if (condition && !condition(args)) return this.callOriginal(plan, instance, args);
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
      return reads.getOrSet(key, () => this.callOriginal(plan, instance, args), options, context);
    };
  }

  private async run(plan: CachedMethodPlan, instance: object, args: Args): Promise<unknown> {
    // Keys and tags come from the arguments as they are before the method runs (it may mutate
    // them), and a key that cannot be built fails the call before anything happens.
    const evictions = plan.evicts
      .filter((evict) => !evict.condition || evict.condition(args))
      .map((evict) => eviction(evict, args));
    await this.evict(evictions.filter((e) => e.beforeInvocation));
    const result = plan.store
      ? await this.store(plan, plan.store, instance, args)
      : await this.callOriginal(plan, instance, args);
    await this.evict(evictions.filter((e) => !e.beforeInvocation));
    return result;
  }

  private store(
    plan: CachedMethodPlan,
    store: StorePlan,
    instance: object,
    args: Args,
  ): Promise<unknown> {
    if (store.condition && !store.condition(args)) return this.callOriginal(plan, instance, args);
    const key = store.key(args);
    const callTags = store.callTags(args);
    if (store.decorator === '@Cacheable') {
      const options =
        callTags.length === 0
          ? store.lookup
          : { ...store.lookup, tags: [...store.lookup.tags, ...callTags] };
      return this.engine.lookup.getOrSet(
        key,
        () => this.callOriginal(plan, instance, args),
        options,
        {
          method: plan.label,
          shouldStore: (value: unknown) => store.shouldStore(value, args),
        },
      );
    }
    return this.put(plan, store, key, callTags, instance, args);
  }

  private async put(
    plan: CachedMethodPlan,
    store: StorePlan,
    key: string,
    callTags: string[],
    instance: object,
    args: Args,
  ): Promise<unknown> {
    const value = await this.callOriginal(plan, instance, args);
    if (value !== undefined && store.shouldStore(value, args)) {
      const tags = [...(store.write.tags ?? []), ...callTags];
      const { nullTtlMs } = store.lookup;
      const ttl =
        value === null && nullTtlMs !== undefined ? (`${nullTtlMs}ms` as const) : store.write.ttl;
      await this.engine.writer.storeComputed(key, value, { tags, ttl }, plan.label);
    }
    return value;
  }

  private async evict(evictions: Eviction[]): Promise<void> {
    if (evictions.length === 0) return;
    const keys = evictions.flatMap((e) => (e.key === undefined ? [] : [e.key]));
    const tags = evictions.flatMap((e) => e.tags);
    await Promise.all([
      keys.length > 0 ? this.engine.cache.del(...keys) : undefined,
      tags.length > 0 ? this.engine.cache.invalidateTags(...tags) : undefined,
    ]);
  }

  /** The original method with its `this` and arguments; an Observable result becomes its last value. */
  private async callOriginal(
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
}

function eviction(evict: EvictPlan, args: Args): Eviction {
  return {
    key: evict.key?.(args),
    tags: evict.tags(args),
    beforeInvocation: evict.beforeInvocation,
  };
}
