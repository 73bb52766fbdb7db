// Wires every decorator at bootstrap (DiscoveryService + MetadataScanner, as @nestjs/schedule):
// validates all plans first (a bad option fails bootstrap naming `ClassName.method`, nothing
// half-wired), registers writers, then installs one invoker per instance (cached-method.ts).
import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { isObservable, Observable } from 'rxjs';
import { CACHE_ENGINES } from '../engine/cache-engine.constants.js';
import type { CacheEngine } from '../engine/cache-engine.js';
import type { CacheEngines } from '../engine/cache-engines.js';
import type { WriterFunction } from '../write/writer-registry.js';
import { CacheDecoratorError } from '../errors/errors.js';
import { mustBe } from '../options/option-kit.js';
import {
  cachedMethodOf,
  hasCachingDecorators,
  markExplorerCreated,
  markExplorerStarted,
  METADATA,
  type CachedMethod,
  type MethodFunction,
} from './cached-method.js';
import { checkKeyFamilies, familyNamespaceTags, storedKeys } from './key-family.check.js';
import { clearedNamespaces, planMethod, type MethodWiring } from './method-plans.js';
import { checkRequestArguments } from './request-arguments.check.js';

type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

interface FoundMethod {
  instance: object;
  className: string;
  /** `ClassName.method`. */
  label: string;
  method: CachedMethod;
}

type Wiring = FoundMethod & MethodWiring & { engine: CacheEngine };

/** A @WriteBehindHandler method: the writer `name` runs it. */
interface Handler {
  name: string;
  run: WriterFunction;
  label: string;
  instance: object;
}

@Injectable()
export class DecoratedMethodsExplorer implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RedisCache');
  /** What this app installed, so that closing it removes exactly those invokers. */
  private installed: Wiring[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Inject(CACHE_ENGINES) private readonly engines: CacheEngines,
  ) {
    markExplorerCreated();
  }

  onModuleInit(): void {
    markExplorerStarted();
    const { methods, handlers } = this.find();
    // Each method goes to the engine its `cache` option names; every name is checked first.
    const groups = new Map<CacheEngine, FoundMethod[]>();
    for (const found of methods) {
      const { method, label } = found;
      const named = cacheNameOf(method, label);
      const engine = this.engines.forDecorator(named?.name, named?.decorator ?? '', label);
      groups.set(engine, [...(groups.get(engine) ?? []), found]);
    }
    const wirings = [...groups].flatMap(([engine, group]) => this.plan(engine, group));
    // Everything is valid: register writers (names must be unique), then install invokers. The
    // handlers run the jobs of every cache's queue.
    for (const engine of this.engines.all())
      for (const { name, run, label, instance } of handlers)
        engine.writers.register(name, run, label, instance);
    for (const { instance, method, invoker, writer, engine } of wirings) {
      const persist = (args: unknown) => method.original.apply(instance, args as unknown[]);
      if (writer !== undefined) engine.writers.register(writer, persist, writer, instance);
      method.invokers.set(instance, invoker);
    }
    this.installed = wirings;
  }

  private plan(engine: CacheEngine, methods: FoundMethod[]): Wiring[] {
    const clearable = new Set(
      methods.flatMap(({ method, className }) => clearedNamespaces(method, className)),
    );
    for (const { instance, label, method } of methods)
      if (hasCachingDecorators(method)) checkRequestArguments(instance, label, method);
    const stores = methods.flatMap((found) => storedKeys(found) ?? []);
    const familyTags = familyNamespaceTags(stores, clearable);
    const wirings = methods.map((found): Wiring => {
      const { instance, className, label, method } = found;
      const context = {
        engine,
        className,
        label,
        clearableNamespaces: clearable,
        familyTags: familyTags.get(label) ?? [],
        returnsObservable: declaresObservable(instance, method.methodName),
      };
      return { ...found, engine, ...planMethod(method, context) };
    });
    checkKeyFamilies(stores);
    return wirings;
  }

  /** After the app closes, its instances call their original methods again. */
  onModuleDestroy(): void {
    for (const { method, instance, invoker } of this.installed.splice(0))
      if (method.invokers.get(instance) === invoker) method.invokers.delete(instance);
  }

  // Each instance once, even under several tokens. Request-scoped classes have no instance at
  // bootstrap, so they cannot be wired: skipped with one warning per class.
  private find(): { methods: FoundMethod[]; handlers: Handler[] } {
    const methods: FoundMethod[] = [];
    const handlers: Handler[] = [];
    const seen = new Set<object>();
    for (const wrapper of [...this.discovery.getControllers(), ...this.discovery.getProviders()]) {
      if (!wrapper.isDependencyTreeStatic()) {
        const prototype = (wrapper.metatype as { prototype?: object } | null)?.prototype;
        if (!prototype || seen.has(prototype) || !isMarked(prototype)) continue;
        seen.add(prototype);
        this.logger.warn(
          `${String(wrapper.name)} is request-scoped (or depends on a request-scoped provider): its ` +
            '@Cacheable/@CachePut/@CacheEvict/@WriteThrough/@WriteBehind methods run without the ' +
            'cache and its @WriteBehindHandler methods are not registered. Move them to a singleton provider.',
        );
        continue;
      }
      for (const instance of instancesOf(wrapper)) {
        if (seen.has(instance) || !isMarked(instance)) continue;
        seen.add(instance);
        const className = instance.constructor?.name || String(wrapper.name);
        for (const name of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
          const label = `${className}.${name}`;
          const fn = (instance as Record<string, MethodFunction>)[name];
          const run: WriterFunction = (value, job) => fn.call(instance, value, job);
          const writerNames = Reflect.getMetadata(METADATA.writers, instance, name) as string[];
          for (const writer of writerNames ?? [])
            handlers.push({ name: writer, run, label, instance });
          const method = cachedMethodOf(instance, name);
          if (method) methods.push({ instance, className, label, method });
        }
      }
    }
    return { methods, handlers };
  }
}

function isMarked(target: object): boolean {
  return Reflect.getMetadata(METADATA.marked, target) === true;
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

/** The cache the method's decorators name (all the same one); undefined: the default cache. */
function cacheNameOf(
  method: CachedMethod,
  label: string,
): { name: string; decorator: string } | undefined {
  let found: { name: string; decorator: string } | undefined;
  for (const [decorator, lines] of Object.entries(method.options))
    for (const options of lines) {
      const name = (options as { cache?: unknown } | undefined)?.cache;
      if (name === undefined) continue;
      if (typeof name !== 'string' || name.length === 0)
        throw new CacheDecoratorError(
          decorator,
          label,
          `option "cache" ${mustBe('a cache name', name)}`,
        );
      if (found && found.name !== name)
        throw new CacheDecoratorError(
          decorator,
          label,
          `names cache '${name}' where ${found.decorator} names '${found.name}': the decorators of one method use one cache`,
        );
      found ??= { name, decorator };
    }
  return found;
}
