// Finds the methods carrying caching decorators on every provider and controller at bootstrap
// (ProviderMethodWalker) and installs one invoker per instance behind the forwarding function the
// decorators put on the method. All plans are validated before the first invoker is installed: a
// bad option fails bootstrap, naming `ClassName.method`, and leaves nothing half-wired.
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { isObservable, Observable } from 'rxjs';
import { KeySpace } from '../keys/key-space.js';
import { RESOLVED_CACHE_OPTIONS } from '../module/redis-cache.constants.js';
import type { ResolvedCacheOptions } from '../module/resolve-options.js';
import { CacheInvokerFactory } from './cache-invoker.factory.js';
import {
  CacheMetadataAccessor,
  hasCachingDecorators,
  type CachedMethodMetadata,
} from './cache-metadata.accessor.js';
import { InstalledInvokers, markExplorerStarted } from './cached-method.js';
import { clearedNamespaces, planCachedMethod } from './cached-method-plan.js';
import { ProviderMethodWalker } from './provider-method-walker.js';
import { checkRequestArguments } from './request-arguments.check.js';

interface FoundMethod {
  instance: object;
  className: string;
  metadata: CachedMethodMetadata;
}

@Injectable()
export class CacheableExplorer implements OnModuleInit, OnModuleDestroy {
  private readonly installed = new InstalledInvokers();

  constructor(
    private readonly walker: ProviderMethodWalker,
    private readonly accessor: CacheMetadataAccessor,
    private readonly invokers: CacheInvokerFactory,
    private readonly keys: KeySpace,
    @Inject(RESOLVED_CACHE_OPTIONS) private readonly options: ResolvedCacheOptions,
  ) {}

  onModuleInit(): void {
    markExplorerStarted();
    const found = this.findCachedMethods();
    const clearable = new Set(
      found.flatMap(({ metadata, className }) => clearedNamespaces(metadata, className)),
    );
    for (const { instance, className, metadata } of found)
      checkRequestArguments(instance, className, metadata);
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
      this.installed.install(method, instance, this.invokers.create(plan));
    }
  }

  /** After the app closes, its instances call their original methods again. */
  onModuleDestroy(): void {
    this.installed.removeAll();
  }

  private findCachedMethods(): FoundMethod[] {
    const found: FoundMethod[] = [];
    const instances = this.walker.markedInstances({
      isMarked: (target) => this.accessor.hasCachedMethods(target),
      requestScopedWarning: (name) =>
        `${name} is request-scoped (or depends on a request-scoped provider): its ` +
        '@Cacheable/@CachePut/@CacheEvict methods run uncached. Move them to a singleton provider.',
    });
    for (const { instance, className, methodNames } of instances) {
      for (const name of methodNames) {
        const metadata = this.accessor.getCachedMethod(instance, name);
        // A method with only @WriteThrough/@WriteBehind is wired by WriteStrategiesExplorer.
        if (metadata && hasCachingDecorators(metadata))
          found.push({ instance, className, metadata });
      }
    }
    return found;
  }
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
