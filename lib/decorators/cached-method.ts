// Where the decorators' options live. Each wrapped method gets, once at decoration time, a
// forwarding function calling the invoker the explorer installed for `this` (or the original
// method): the prototype never changes after decoration, so routes registered earlier reach it.
import { Logger } from '@nestjs/common';
import { CacheDecoratorError } from '../errors/errors.js';

// The CachedMethod and @WriteBehindHandler names live on (prototype, method name); the class-level
// flag lets the explorer skip every other provider.
export const METADATA = {
  writers: 'redis_cache:write_behind_handler',
  method: 'redis_cache:cached_method',
  marked: 'redis_cache:has_decorated_methods',
} as const;

/** The decorators that wrap a method, in the order the checks and plans read their options. */
const WRAPPING = [
  '@Cacheable',
  '@CachePut',
  '@CacheEvict',
  '@WriteThrough',
  '@WriteBehind',
  '@CacheTags',
] as const;
export type WrappingDecorator = (typeof WRAPPING)[number];

export type MethodFunction = (this: unknown, ...args: unknown[]) => unknown;

export type CacheInvoker = (instance: object, args: unknown[]) => unknown;

export interface CachedMethod {
  readonly methodName: string;
  /** The function that was on the prototype before the first caching decorator. */
  readonly original: MethodFunction;
  /** Invokers by instance: per instance, so two apps in one process never share one. */
  readonly invokers: WeakMap<object, CacheInvoker>;
  /**
   * Each decorator's options, one entry per decorator line (an array of tags per @CacheTags line).
   * Unchecked on purpose: the plan validates them and names the method.
   */
  readonly options: Record<WrappingDecorator, unknown[]>;
}

/**
 * A decorator recording `given` for `decorator` on the method, installing the forwarding function
 * on first use, with the original's metadata copied on so that routes, guards and documentation
 * still find it.
 */
export function recording(decorator: WrappingDecorator, given: unknown): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    checkMethod(decorator, target, propertyKey, descriptor);
    const existing = Reflect.getOwnMetadata(METADATA.method, target, propertyKey) as
      CachedMethod | undefined;
    if (existing) {
      existing.options[decorator].push(given);
      return;
    }
    const original = descriptor.value as MethodFunction;
    const invokers = new WeakMap<object, CacheInvoker>();
    const forwarder: MethodFunction = function (this: unknown, ...args: unknown[]): unknown {
      const invoke = typeof this === 'object' && this !== null ? invokers.get(this) : undefined;
      if (invoke) return invoke(this as object, args);
      if (!wiring.explorerStarted) warnNoModule(`${describeTarget(target)}.${String(propertyKey)}`);
      return original.apply(this, args);
    };
    Object.defineProperty(forwarder, 'name', { value: original.name, configurable: true });
    Object.defineProperty(forwarder, 'length', { value: original.length, configurable: true });
    for (const key of Reflect.getOwnMetadataKeys(original))
      Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), forwarder);
    const options = {} as CachedMethod['options'];
    for (const name of WRAPPING) options[name] = name === decorator ? [given] : [];
    const method: CachedMethod = { methodName: String(propertyKey), original, invokers, options };
    (descriptor as PropertyDescriptor).value = forwarder;
    Reflect.defineMetadata(METADATA.method, method, target, propertyKey);
    Reflect.defineMetadata(METADATA.marked, true, target);
  };
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

/** The decorators of `target[name]` that wrap it, looked up along the prototype chain. */
export function cachedMethodOf(target: object, name: string): CachedMethod | undefined {
  return Reflect.getMetadata(METADATA.method, target, name) as CachedMethod | undefined;
}

/** @Cacheable, @CachePut, @CacheEvict or @CacheTags (else @WriteThrough or @WriteBehind). */
export function hasCachingDecorators({ options }: CachedMethod): boolean {
  const { '@Cacheable': cacheable, '@CachePut': puts, '@CacheEvict': evicts } = options;
  return cacheable.length + puts.length + evicts.length + options['@CacheTags'].length > 0;
}

// Until an app in this process has started an explorer, a decorated method that runs says once that
// it runs uncached, instead of nothing at all.
const wiring = { explorerCreated: false, explorerStarted: false, warned: false };

/** When a module that has an explorer is compiled (not yet initialized). */
export function markExplorerCreated(): void {
  wiring.explorerCreated = true;
}

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

function describeTarget(target: object): string {
  return typeof target === 'function' ? target.name : (target.constructor?.name ?? 'Object');
}
