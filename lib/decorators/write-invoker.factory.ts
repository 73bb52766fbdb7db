// Builds the function that runs one call of a @WriteThrough or @WriteBehind method: persist then
// cache, or cache and queue. Built through DI, so it holds this app's services and nothing global.
import { Inject, Injectable } from '@nestjs/common';
import { CACHE_ENGINE } from '../engine/cache-engine.constants.js';
import type { CacheEngine } from '../engine/cache-engine.js';
import type { CacheInvoker } from './cached-method.js';
import type { WriteMethodPlan } from './write-method-plan.js';

@Injectable()
export class WriteInvokerFactory {
  constructor(@Inject(CACHE_ENGINE) private readonly engine: CacheEngine) {}

  create(plan: WriteMethodPlan): CacheInvoker {
    const { writes: strategies, writeTarget: cache } = this.engine;
    if (plan.kind === 'through') {
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
    }
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
}
