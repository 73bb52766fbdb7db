// The forwarding function every caching decorator installs (once per method) at decoration
// time. It calls the invoker the explorer installed for `this` instance at bootstrap, or the
// original method when there is none (a class Nest never instantiated, a request-scoped
// provider, an app that was closed). Because the function on the prototype never changes after
// decoration, routes Nest registered before bootstrap reach the cache too.
import { Logger } from '@nestjs/common';
import { CacheDecoratorError } from '../errors/cache-decorator.error.js';
import {
  CACHED_METHOD_METADATA,
  HAS_DECORATED_METHODS_METADATA,
} from './cache-decorator.constants.js';

export type MethodFunction = (this: unknown, ...args: unknown[]) => unknown;

/** Runs one call of a decorated method on one instance, through the cache. */
export type CacheInvoker = (instance: object, args: unknown[]) => unknown;

export interface CachedMethod {
  readonly methodName: string;
  /** The function that was on the prototype before the first caching decorator. */
  readonly original: MethodFunction;
  /** The function on the prototype now; caching metadata is recorded on it. */
  readonly forwarder: MethodFunction;
  /** Invokers by instance: per instance, so two apps in one process never share one. */
  readonly invokers: WeakMap<object, CacheInvoker>;
}

/**
 * The CachedMethod of `target[propertyKey]`, installing the forwarding function on first use.
 * Later caching decorators on the same method reuse it; other decorators' metadata is copied
 * onto the forwarding function so routes, guards and documentation still find it.
 */
export function cachedMethod(
  decorator: string,
  target: object,
  propertyKey: string | symbol,
  descriptor: PropertyDescriptor,
): CachedMethod {
  checkMethod(decorator, target, propertyKey, descriptor);
  const existing = Reflect.getOwnMetadata(CACHED_METHOD_METADATA, target, propertyKey) as
    CachedMethod | undefined;
  if (existing) return existing;

  const original = descriptor.value as MethodFunction;
  const invokers = new WeakMap<object, CacheInvoker>();
  const forwarder: MethodFunction = function (this: unknown, ...args: unknown[]): unknown {
    const invoke = typeof this === 'object' && this !== null ? invokers.get(this) : undefined;
    if (invoke) return invoke(this as object, args);
    if (!wiring.explorerStarted) warnNoModule(`${describeTarget(target)}.${String(propertyKey)}`);
    return original.apply(this, args);
  };
  copyFunctionIdentity(original, forwarder);
  const method: CachedMethod = { methodName: String(propertyKey), original, forwarder, invokers };
  descriptor.value = forwarder;
  Reflect.defineMetadata(CACHED_METHOD_METADATA, method, target, propertyKey);
  Reflect.defineMetadata(HAS_DECORATED_METHODS_METADATA, true, target);
  return method;
}

/** Refuses static methods, getters and fields, naming `ClassName.method`. */
export function checkMethod(
  decorator: string,
  target: object,
  propertyKey: string | symbol,
  descriptor: PropertyDescriptor,
): void {
  const label = `${describeTarget(target)}.${String(propertyKey)}`;
  if (typeof target === 'function')
    throw new CacheDecoratorError(
      decorator,
      label,
      'is static; only methods of providers and controllers can be decorated',
    );
  if (typeof descriptor?.value !== 'function')
    throw new CacheDecoratorError(
      decorator,
      label,
      'is not a method (getters and fields cannot be decorated)',
    );
}

/**
 * Whether any app in this process has started a caching explorer (RedisCacheModule, directly or
 * through the cache-manager drop-in). Until one has, a decorated method that runs says once that
 * it runs uncached, instead of nothing at all.
 */
const wiring = { explorerCreated: false, explorerStarted: false, warned: false };

/** Called by the explorers when a module that has one is compiled (not yet initialized). */
export function markExplorerCreated(): void {
  wiring.explorerCreated = true;
}

/** Called by the explorers when an app initializes. */
export function markExplorerStarted(): void {
  wiring.explorerStarted = true;
}

function warnNoModule(label: string): void {
  if (wiring.warned) return;
  wiring.warned = true;
  // A module that was compiled but never initialized is the usual unit test: compile(), then get().
  const fix = wiring.explorerCreated
    ? 'A RedisCacheModule was compiled but never initialized: decorators are installed when the ' +
      'app initializes, so call `await app.init()` (in tests, `await moduleRef.init()` after ' +
      '`Test.createTestingModule(...).compile()`).'
    : 'Import RedisCacheModule.forRoot() in the root module (or CacheModule.register() from ' +
      "'nestjs-redis-cache/cache-manager').";
  new Logger('RedisCache').warn(
    `nestjs-redis-cache: ${label} has caching decorators (@Cacheable, @CachePut, @CacheEvict, ` +
      '@WriteThrough, @WriteBehind) but no RedisCacheModule was initialized in this process, so ' +
      `they do nothing: the method runs uncached. ${fix} Said once.`,
  );
}

/**
 * The invokers one explorer installed, so that it can remove exactly those when the app closes:
 * the instances then call their original methods again.
 */
export class InstalledInvokers {
  private readonly installed: { method: CachedMethod; instance: object; invoker: CacheInvoker }[] =
    [];

  install(method: CachedMethod, instance: object, invoker: CacheInvoker): void {
    method.invokers.set(instance, invoker);
    this.installed.push({ method, instance, invoker });
  }

  /** Removes every invoker installed here that is still in place. */
  removeAll(): void {
    for (const { method, instance, invoker } of this.installed.splice(0)) {
      if (method.invokers.get(instance) === invoker) method.invokers.delete(instance);
    }
  }
}

/** Appends a decorator's options to an array metadata entry of the forwarding function. */
export function appendMetadata(key: string, value: unknown, method: CachedMethod): void {
  const list = (Reflect.getOwnMetadata(key, method.forwarder) as unknown[] | undefined) ?? [];
  Reflect.defineMetadata(key, [...list, value], method.forwarder);
}

/** Name, length and every Reflect metadata entry of `from`, onto `to`. */
function copyFunctionIdentity(from: MethodFunction, to: MethodFunction): void {
  Object.defineProperty(to, 'name', { value: from.name, configurable: true });
  Object.defineProperty(to, 'length', { value: from.length, configurable: true });
  for (const key of Reflect.getOwnMetadataKeys(from)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, from), to);
  }
}

function describeTarget(target: object): string {
  return typeof target === 'function' ? target.name : (target.constructor?.name ?? 'Object');
}
