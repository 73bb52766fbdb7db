// Wires every decorator of the library at bootstrap: finds the methods carrying @Cacheable,
// @CachePut, @CacheEvict, @CacheTags, @WriteThrough, @WriteBehind or @WriteBehindHandler on every
// provider and controller (ProviderMethodWalker), validates all their plans first (a bad option
// fails bootstrap naming `ClassName.method`, nothing half-wired) and that the methods storing one
// family of keys agree on tags (key-family.check.ts), then registers the writers by
// name and installs one invoker per instance behind the forwarding function the decorators put
// on the method (lib/decorators/cached-method.ts).
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { isObservable, Observable } from 'rxjs';
import { CACHE_ENGINE } from '../engine/cache-engine.constants.js';
import type { CacheEngine } from '../engine/cache-engine.js';
import type { KeySpace } from '../keys/key-space.js';
import type { WriterRegistry } from '../write/writer-registry.js';
import { CacheInvokerFactory } from './cache-invoker.factory.js';
import {
  CacheMetadataAccessor,
  hasCachingDecorators,
  hasWriteDecorators,
  type DecoratedMethodMetadata,
} from './cache-metadata.accessor.js';
import {
  InstalledInvokers,
  markExplorerCreated,
  markExplorerStarted,
  type CacheInvoker,
  type CachedMethod,
  type MethodFunction,
} from './cached-method.js';
import { clearedNamespaces, namespaceTag, planCachedMethod } from './cached-method-plan.js';
import { checkKeyFamilies, familyNamespaceTags, storedKeys } from './key-family.check.js';
import { ProviderMethodWalker } from './provider-method-walker.js';
import { checkRequestArguments } from './request-arguments.check.js';
import { WriteInvokerFactory } from './write-invoker.factory.js';
import { planWriteMethod } from './write-method-plan.js';
import type { ResolvedCacheOptions } from '../options/resolved-options.js';

interface FoundMethod {
  instance: object;
  className: string;
  metadata: DecoratedMethodMetadata;
}

interface Handler {
  name: string;
  instance: object;
  method: string;
  label: string;
}

interface Wiring {
  instance: object;
  method: CachedMethod;
  invoker: CacheInvoker;
  /** A @WriteBehind method is also the writer of its own jobs, under its label. */
  writer?: string;
}

@Injectable()
export class DecoratedMethodsExplorer implements OnModuleInit, OnModuleDestroy {
  private readonly writers: WriterRegistry;
  private readonly keys: KeySpace;
  private readonly options: ResolvedCacheOptions;
  private readonly installed = new InstalledInvokers();

  constructor(
    private readonly walker: ProviderMethodWalker,
    private readonly accessor: CacheMetadataAccessor,
    private readonly cachingInvokers: CacheInvokerFactory,
    private readonly writeInvokers: WriteInvokerFactory,
    @Inject(CACHE_ENGINE) engine: CacheEngine,
  ) {
    this.writers = engine.writers;
    this.keys = engine.keys;
    this.options = engine.options;
    markExplorerCreated();
  }

  onModuleInit(): void {
    markExplorerStarted();
    const { methods, handlers } = this.find();
    const clearable = new Set(
      methods.flatMap(({ metadata, className }) => clearedNamespaces(metadata, className)),
    );
    for (const { instance, className, metadata } of methods)
      if (hasCachingDecorators(metadata)) checkRequestArguments(instance, className, metadata);
    const stores = methods.flatMap(({ className, metadata }) => {
      const stored = storedKeys(metadata, className);
      return stored ? [stored] : [];
    });
    // A cleared namespace's tag is carried by its @Cacheable/@CachePut methods only: every other
    // method writing the same keys (another class's, a write-through) carries it too.
    const familyTags = familyNamespaceTags(stores, (store) => {
      if (store.decorator !== '@Cacheable' && store.decorator !== '@CachePut') return undefined;
      const tag = namespaceTag(store.namespace, store.className);
      return clearable.has(tag) ? tag : undefined;
    });
    const wirings = methods.map((found) => this.plan(found, clearable, familyTags));
    checkKeyFamilies(stores);
    // Everything is valid: register writers (names must be unique), then install invokers.
    for (const { name, instance, method, label } of handlers) {
      const fn = (instance as Record<string, MethodFunction>)[method];
      this.writers.register(name, (value, job) => fn.call(instance, value, job), label, instance);
    }
    for (const { instance, method, invoker, writer } of wirings) {
      if (writer !== undefined) {
        const original = method.original;
        this.writers.register(
          writer,
          (args) => original.apply(instance, args as unknown[]),
          writer,
          instance,
        );
      }
      this.installed.install(method, instance, invoker);
    }
  }

  /** After the app closes, its instances call their original methods again. */
  onModuleDestroy(): void {
    this.installed.removeAll();
  }

  private plan(
    { instance, className, metadata }: FoundMethod,
    clearable: ReadonlySet<string>,
    familyTags: ReadonlyMap<string, string[]>,
  ): Wiring {
    const { method } = metadata;
    const label = `${className}.${method.methodName}`;
    if (hasWriteDecorators(metadata)) {
      const plan = planWriteMethod({
        label,
        original: method.original,
        throughs: metadata.throughs,
        behinds: metadata.behinds,
        alsoCached: hasCachingDecorators(metadata),
        keys: this.keys,
        jobDefaults: this.options.writeBehind,
        familyTags: familyTags.get(label),
      });
      return {
        instance,
        method,
        invoker: this.writeInvokers.create(plan),
        writer: plan.kind === 'behind' ? plan.label : undefined,
      };
    }
    const plan = planCachedMethod(metadata, {
      className,
      defaultTtlMs: this.options.ttlMs,
      keys: this.keys,
      clearableNamespaces: clearable,
      familyTags: familyTags.get(label),
      returnsObservable: declaresObservable(instance, method.methodName),
    });
    return { instance, method, invoker: this.cachingInvokers.create(plan) };
  }

  private find(): { methods: FoundMethod[]; handlers: Handler[] } {
    const methods: FoundMethod[] = [];
    const handlers: Handler[] = [];
    const instances = this.walker.markedInstances({
      isMarked: (target) => this.accessor.hasDecoratedMethods(target),
      requestScopedWarning: (name) =>
        `${name} is request-scoped (or depends on a request-scoped provider): its ` +
        '@Cacheable/@CachePut/@CacheEvict/@WriteThrough/@WriteBehind methods run without the ' +
        'cache and its @WriteBehindHandler methods are not registered. Move them to a singleton provider.',
    });
    for (const { instance, className, methodNames } of instances) {
      for (const name of methodNames) {
        const label = `${className}.${name}`;
        for (const writer of this.accessor.getWriterNames(instance, name))
          handlers.push({ name: writer, instance, method: name, label });
        const metadata = this.accessor.getDecoratedMethod(instance, name);
        if (metadata && (hasCachingDecorators(metadata) || hasWriteDecorators(metadata)))
          methods.push({ instance, className, metadata });
      }
    }
    return { methods, handlers };
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
