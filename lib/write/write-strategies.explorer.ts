// Wires @WriteThrough, @WriteBehind and @WriteBehindHandler at bootstrap: walks providers and
// controllers (ProviderMethodWalker, shared with @Cacheable), validates every option first (a bad one fails
// bootstrap naming `ClassName.method`, nothing half-wired), then registers the writers by name
// and installs per-instance invokers behind the forwarding function the decorators put on the
// method (the same mechanism as @Cacheable, lib/decorators/cached-method.ts).
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  CacheMetadataAccessor,
  hasCachingDecorators,
} from '../decorators/cache-metadata.accessor.js';
import {
  InstalledInvokers,
  type CacheInvoker,
  type CachedMethod,
  type MethodFunction,
} from '../decorators/cached-method.js';
import { CACHED_METHOD_METADATA } from '../decorators/cache-decorator.constants.js';
import { ProviderMethodWalker } from '../decorators/provider-method-walker.js';
import { KeySpace } from '../keys/key-space.js';
import { RESOLVED_CACHE_OPTIONS } from '../module/redis-cache.constants.js';
import type { ResolvedCacheOptions } from '../module/resolve-options.js';
import { RedisCacheService } from '../service/redis-cache.service.js';
import { planWriteMethod, type WriteMethodPlan } from './write-method-plan.js';
import {
  HAS_WRITE_METHODS_METADATA,
  WRITE_BEHIND_HANDLER_METADATA,
  WRITE_BEHIND_METADATA,
  WRITE_THROUGH_METADATA,
} from './write-strategies.constants.js';
import { WriteStrategies } from './write-strategies.js';
import { WriterRegistry } from './writer-registry.js';

interface Handler {
  name: string;
  instance: object;
  method: string;
  label: string;
}

interface Wiring {
  instance: object;
  method: CachedMethod;
  plan: WriteMethodPlan;
}

@Injectable()
export class WriteStrategiesExplorer implements OnModuleInit, OnModuleDestroy {
  private readonly installed = new InstalledInvokers();

  constructor(
    private readonly walker: ProviderMethodWalker,
    private readonly cacheMetadata: CacheMetadataAccessor,
    private readonly strategies: WriteStrategies,
    private readonly writers: WriterRegistry,
    private readonly cache: RedisCacheService,
    private readonly keys: KeySpace,
    @Inject(RESOLVED_CACHE_OPTIONS) private readonly options: ResolvedCacheOptions,
  ) {}

  onModuleInit(): void {
    const handlers: Handler[] = [];
    const wirings: Wiring[] = [];
    const instances = this.walker.markedInstances({
      isMarked: (target) => Reflect.getMetadata(HAS_WRITE_METHODS_METADATA, target) === true,
      requestScopedWarning: (name) =>
        `${name} is request-scoped (or depends on a request-scoped provider): its ` +
        '@WriteThrough/@WriteBehind methods run without the cache and its @WriteBehindHandler methods are not registered. Move them to a singleton provider.',
    });
    for (const { instance, className, methodNames } of instances) {
      for (const name of methodNames) {
        const label = `${className}.${name}`;
        const handlerNames = read<string>(WRITE_BEHIND_HANDLER_METADATA, instance, name);
        for (const handler of handlerNames)
          handlers.push({ name: handler, instance, method: name, label });
        const throughs = read<unknown>(WRITE_THROUGH_METADATA, instance, name);
        const behinds = read<unknown>(WRITE_BEHIND_METADATA, instance, name);
        if (throughs.length + behinds.length === 0) continue;
        const method = Reflect.getMetadata(CACHED_METHOD_METADATA, instance, name) as CachedMethod;
        const caching = this.cacheMetadata.getCachedMethod(instance, name);
        const plan = planWriteMethod({
          label,
          original: method.original,
          throughs,
          behinds,
          alsoCached: !!caching && hasCachingDecorators(caching),
          keys: this.keys,
          jobDefaults: this.options.writeBehind,
        });
        wirings.push({ instance, method, plan });
      }
    }
    // Everything is valid: register writers (names must be unique), then install invokers.
    for (const { name, instance, method, label } of handlers) {
      const fn = (instance as Record<string, MethodFunction>)[method];
      this.writers.register(name, (value, job) => fn.call(instance, value, job), label, instance);
    }
    for (const { instance, method, plan } of wirings) {
      if (plan.kind === 'behind') {
        const original = method.original;
        this.writers.register(
          plan.label,
          (args) => original.apply(instance, args as unknown[]),
          plan.label,
          instance,
        );
      }
      this.installed.install(method, instance, this.invoker(plan));
    }
  }

  /** After the app closes, its instances call their original methods again. */
  onModuleDestroy(): void {
    this.installed.removeAll();
  }

  private invoker(plan: WriteMethodPlan): CacheInvoker {
    const { strategies, cache } = this;
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

function read<T>(key: string, instance: object, method: string): T[] {
  return (Reflect.getMetadata(key, instance, method) as T[] | undefined) ?? [];
}
