// Finds the methods carrying caching decorators on every provider and controller at bootstrap
// (DiscoveryService + MetadataScanner, as @nestjs/schedule does) and installs one invoker per
// instance behind the forwarding function the decorators put on the method. All plans are
// validated before the first invoker is installed: a bad option fails bootstrap, naming
// `ClassName.method`, and leaves nothing half-wired.
import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { isObservable, Observable } from 'rxjs';
import { KeySpace } from '../keys/key-space.js';
import { RESOLVED_CACHE_OPTIONS } from '../module/redis-cache.constants.js';
import type { ResolvedCacheOptions } from '../module/resolve-options.js';
import { CacheInvokerFactory } from './cache-invoker.factory.js';
import { CacheMetadataAccessor, type CachedMethodMetadata } from './cache-metadata.accessor.js';
import type { CacheInvoker, CachedMethod } from './cached-method.js';
import { clearedNamespaces, planCachedMethod } from './cached-method-plan.js';

type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

interface FoundMethod {
  instance: object;
  className: string;
  metadata: CachedMethodMetadata;
}

@Injectable()
export class CacheableExplorer implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RedisCache');
  private readonly installed: { method: CachedMethod; instance: object; invoker: CacheInvoker }[] =
    [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: CacheMetadataAccessor,
    private readonly invokers: CacheInvokerFactory,
    private readonly keys: KeySpace,
    @Inject(RESOLVED_CACHE_OPTIONS) private readonly options: ResolvedCacheOptions,
  ) {}

  onModuleInit(): void {
    const found = this.findCachedMethods();
    const clearable = new Set(
      found.flatMap(({ metadata, className }) => clearedNamespaces(metadata, className)),
    );
    const plans = found.map(({ instance, className, metadata }) => ({
      instance,
      method: metadata.method,
      plan: planCachedMethod(metadata, {
        className,
        defaultTtlMs: this.options.ttlMs,
        keys: this.keys,
        clearableNamespaces: clearable,
        returnsObservable: declaresObservable(instance, metadata.method.methodName),
      }),
    }));
    for (const { instance, method, plan } of plans) {
      const invoker = this.invokers.create(plan);
      method.invokers.set(instance, invoker);
      this.installed.push({ method, instance, invoker });
    }
  }

  /** After the app closes, its instances call their original methods again. */
  onModuleDestroy(): void {
    for (const { method, instance, invoker } of this.installed.splice(0)) {
      if (method.invokers.get(instance) === invoker) method.invokers.delete(instance);
    }
  }

  private findCachedMethods(): FoundMethod[] {
    const found: FoundMethod[] = [];
    const seen = new Set<object>();
    const warned = new Set<unknown>();
    for (const wrapper of [...this.discovery.getControllers(), ...this.discovery.getProviders()]) {
      if (!wrapper.isDependencyTreeStatic()) {
        this.warnIfCached(wrapper, warned);
        continue;
      }
      for (const instance of instancesOf(wrapper)) {
        if (seen.has(instance) || !this.accessor.hasCachedMethods(instance)) continue;
        seen.add(instance);
        const className = instance.constructor?.name || String(wrapper.name);
        for (const name of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
          const metadata = this.accessor.getCachedMethod(instance, name);
          // A method with only @WriteThrough/@WriteBehind is wired by WriteStrategiesExplorer.
          if (metadata && hasCachingDecorators(metadata))
            found.push({ instance, className, metadata });
        }
      }
    }
    return found;
  }

  /** Request-scoped (or transient-per-request) providers are not wired: warn once per class. */
  private warnIfCached(wrapper: InstanceWrapper, warned: Set<unknown>): void {
    const prototype = (wrapper.metatype as { prototype?: object } | null)?.prototype;
    if (!prototype || warned.has(prototype) || !this.accessor.hasCachedMethods(prototype)) return;
    warned.add(prototype);
    this.logger.warn(
      `${String(wrapper.name)} is request-scoped (or depends on a request-scoped provider): its ` +
        '@Cacheable/@CachePut/@CacheEvict methods run uncached. Move them to a singleton provider.',
    );
  }
}

function hasCachingDecorators(metadata: CachedMethodMetadata): boolean {
  const { cacheable, puts, evicts, tags } = metadata;
  return cacheable.length + puts.length + evicts.length + tags.length > 0;
}

function instancesOf(wrapper: InstanceWrapper): object[] {
  const candidates = wrapper.isTransient
    ? wrapper.getStaticTransientInstances().map((entry) => entry?.instance as unknown)
    : [wrapper.instance as unknown];
  return candidates.filter(
    (instance): instance is object =>
      typeof instance === 'object' && instance !== null && Object.getPrototypeOf(instance) !== null,
  );
}

/** True when TypeScript recorded `Observable` as the method's declared return type. */
function declaresObservable(instance: object, name: string): boolean {
  const type: unknown = Reflect.getMetadata('design:returntype', instance, name);
  if (typeof type !== 'function') return false;
  return (
    type === Observable ||
    type.prototype instanceof Observable ||
    isObservable(type.prototype) ||
    type.name === 'Observable'
  );
}
