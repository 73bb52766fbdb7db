// `Cache`: what CACHE_MANAGER injects, with cache-manager 7's methods, return values and units
// (TTLs in milliseconds; `ttl()` is the expiry time as epoch milliseconds). Like
// @nestjs/cache-manager's, it is both a type and an injection token (`constructor(cache: Cache)`).
import type { EventEmitter } from 'node:events';

export interface CacheEntry<T> {
  key: string;
  value: T;
  /** Milliseconds. */
  ttl?: number;
}

export interface WrapOptions<T> {
  /** Milliseconds, or a function of the computed value returning milliseconds. */
  ttl?: number | ((value: T) => number);
  /** Milliseconds left under which a hit is refreshed in the background. */
  refreshThreshold?: number | ((value: T) => number);
}

export interface WrapOptionsRaw<T> extends WrapOptions<T> {
  raw: true;
}

/** A value with its expiry (epoch milliseconds; `undefined`: no expiry), as `wrap(..., { raw: true })` returns it. */
export interface StoredDataRaw<T> {
  value?: T;
  expires?: number;
}

export interface CacheEvents {
  /** On a hit only; `store` is always `'primary'` (Redis, the one store). */
  get: <T>(data: { key: string; value?: T; store?: 'primary'; error?: unknown }) => void;
  mget: <T>(data: { keys: string[]; values?: (T | undefined)[]; error?: unknown }) => void;
  set: <T>(data: { key: string; value: T; error?: unknown }) => void;
  mset: <T>(data: { list: CacheEntry<T>[]; error?: unknown }) => void;
  del: (data: { key: string; error?: unknown }) => void;
  mdel: (data: { keys: string[]; error?: unknown }) => void;
  clear: (error?: unknown) => void;
  /** The new value, or, when the refresh failed, the stale value still cached with the `error`. */
  refresh: <T>(data: { key: string; value: T; error?: unknown }) => void;
  ttl: (data: { key: string; value?: number; error?: unknown }) => void;
}

/**
 * The injection token for the cache, and its type: `constructor(private cache: Cache)` or
 * `@Inject(CACHE_MANAGER) cache: Cache`.
 */
export abstract class Cache {
  /** The value, or `undefined` when absent. */
  abstract get<T>(key: string): Promise<T | undefined>;
  abstract mget<T>(keys: string[]): Promise<(T | undefined)[]>;
  /** When the entry expires, in epoch milliseconds; `undefined` when absent or without expiry. */
  abstract ttl(key: string): Promise<number | undefined>;
  /** Stores `value` for `ttl` milliseconds (default: the module's `ttl`) and resolves to it. */
  abstract set<T>(key: string, value: T, ttl?: number): Promise<T>;
  /** Stores every entry and resolves to the list, each with the TTL it got. */
  abstract mset<T>(list: CacheEntry<T>[]): Promise<CacheEntry<T>[]>;
  /** Resolves to `true`, whether the key existed or not (as cache-manager 7). */
  abstract del(key: string): Promise<boolean>;
  abstract mdel(keys: string[]): Promise<boolean>;
  /** Deletes every entry of this cache's namespace (never another's) and resolves to `true`. */
  abstract clear(): Promise<boolean>;
  abstract wrap<T>(
    key: string,
    fnc: () => T | Promise<T>,
    ttl?: number | ((value: T) => number),
    refreshThreshold?: number | ((value: T) => number),
  ): Promise<T>;
  abstract wrap<T>(key: string, fnc: () => T | Promise<T>, options: WrapOptions<T>): Promise<T>;
  abstract wrap<T>(
    key: string,
    fnc: () => T | Promise<T>,
    options: WrapOptionsRaw<T>,
  ): Promise<StoredDataRaw<T>>;
  abstract on<E extends keyof CacheEvents>(event: E, listener: CacheEvents[E]): EventEmitter;
  abstract off<E extends keyof CacheEvents>(event: E, listener: CacheEvents[E]): EventEmitter;
  /** Resolves at once: the module closes its Redis connections when the app shuts down. */
  abstract disconnect(): Promise<undefined>;
  abstract cacheId(): string;
  /** Not available: throws, naming what to use instead (`RedisCacheService.client`). */
  abstract readonly stores: never[];
}
