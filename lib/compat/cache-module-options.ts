// What CacheModule.register()/registerAsync() accept: @nestjs/cache-manager's options (TTLs in
// MILLISECONDS, as there) plus every RedisCacheModule option for the connection and the rest; and
// how they become RedisCacheModule's. What cannot behave the same on Redis fails at bootstrap,
// saying what to write instead; every other option is RedisCacheModule's and is validated there.
import type { ConfigurableModuleAsyncOptions, Provider, Type } from '@nestjs/common';
import type { RedisCacheModuleOptions } from '../engine/redis-cache-options.interface.js';
import { CacheConfigError } from '../errors/errors.js';
import { flag, mustBe, optionsObject } from '../options/option-kit.js';
import type { Ttl } from '../time/ttl.js';

export interface CacheManagerOptions extends Omit<RedisCacheModuleOptions, 'ttl'> {
  /**
   * Default time to live in **milliseconds** (cache-manager's unit). Default 5000. `0`: no expiry.
   * A string of digits (`'3000'`, from ConfigService) counts the same milliseconds.
   */
  ttl?: number | string;
  /**
   * When `wrap()` finds a value with less than this many milliseconds left, it returns the value
   * and refreshes it in the background. Default: off. A string of digits counts the same.
   */
  refreshThreshold?: number | string;
  /** Accepted for compatibility; no effect (there is one store, and writes never block on a slow Redis beyond `redisTimeouts.command`). */
  nonBlocking?: boolean;
  /** Accepted for compatibility; no effect (there is one store). */
  refreshAllStores?: boolean;
  /** What `cacheId()` returns. Default: a random id. */
  cacheId?: string;
  /**
   * Not supported: entries live in Redis, configured by `url` (or `redis`, `cluster`, `client`).
   * Given, the app fails at bootstrap saying so.
   */
  stores?: unknown;
}

export type CacheOptions<StoreConfig extends object = object> = CacheManagerOptions & StoreConfig;

export type CacheModuleOptions<StoreConfig extends object = object> = CacheOptions<StoreConfig> & {
  /** Register CacheModule as a global module. Default `false`, as in @nestjs/cache-manager. */
  isGlobal?: boolean;
};

/** A class supplying the options of `CacheModule.registerAsync({ useClass })`. */
export interface CacheOptionsFactory<StoreConfig extends object = object> {
  createCacheOptions(): Promise<CacheOptions<StoreConfig>> | CacheOptions<StoreConfig>;
}

export interface CacheModuleAsyncOptions<
  StoreConfig extends object = object,
> extends ConfigurableModuleAsyncOptions<CacheOptions<StoreConfig>, keyof CacheOptionsFactory> {
  useExisting?: Type<CacheOptionsFactory<StoreConfig>>;
  useClass?: Type<CacheOptionsFactory<StoreConfig>>;
  /** Extra providers registered within the scope of this module (e.g. what `useClass` injects). */
  extraProviders?: Provider[];
  /** Register CacheModule as a global module. Default `false`. */
  isGlobal?: boolean;
}

// 5 seconds, as NestJS's caching docs give it: @nestjs/cache-manager 12 passes no TTL (entries
// never expire), which on a shared Redis grows without bound; `ttl: 0` still asks for it.
const DEFAULT_TTL_MS = 5_000;

/** What the drop-in itself reads (the Cache object's defaults), beside RedisCacheModule's options. */
export interface CacheManagerSettings {
  ttlMs: number;
  refreshThresholdMs?: number;
  cacheId?: string;
}

const NOT_ON_REDIS: Record<string, string> = {
  stores:
    'is not supported by nestjs-redis-cache/cache-manager: every entry lives in Redis. Remove ' +
    '`stores` (Keyv, KeyvRedis or Cacheable instances) and give the connection as `url` (or ' +
    '`redis`, `cluster`, `client`); for an in-process tier in front of Redis use `l1: true`',
  store:
    'is the cache-manager 4/5 way to pick a store, not supported by nestjs-redis-cache/cache-manager: ' +
    'remove it and give the connection as `url` (or `redis`, `cluster`, `client`)',
};
/** The drop-in's own options, which RedisCacheModule does not take. */
const OWN_OPTIONS = ['ttl', 'refreshThreshold', 'nonBlocking', 'refreshAllStores', 'cacheId'];

export function cacheManagerSettings(options: CacheManagerOptions = {}): CacheManagerSettings {
  // Accepted for compatibility and without effect here, but still checked like every option.
  for (const name of ['nonBlocking', 'refreshAllStores'] as const)
    if (options[name] !== undefined) flag(options[name], name);
  return {
    ttlMs: milliseconds(options.ttl, 'ttl') ?? DEFAULT_TTL_MS,
    refreshThresholdMs: milliseconds(options.refreshThreshold, 'refreshThreshold'),
    cacheId: identifier(options.cacheId),
  };
}

export function toRedisCacheOptions(options: CacheManagerOptions = {}): RedisCacheModuleOptions {
  optionsObject(options, 'CacheModule options');
  for (const [name, problem] of Object.entries(NOT_ON_REDIS))
    if ((options as Record<string, unknown>)[name] !== undefined)
      throw new CacheConfigError(name, problem);
  const redisCacheOptions = Object.fromEntries(
    Object.entries(options).filter(
      ([name]) => !OWN_OPTIONS.includes(name) && !Object.hasOwn(NOT_ON_REDIS, name),
    ),
  );
  // Handed over with its unit, so RedisCacheModule never reads these milliseconds as seconds.
  return { ...redisCacheOptions, ttl: asDuration(cacheManagerSettings(options).ttlMs) };
}

/** A cache-manager TTL (milliseconds, or a string of digits) as this library's duration. */
export function asDuration(ttl: unknown): Ttl | undefined {
  const ms = fromNumericString(ttl);
  return ms == null ? undefined : `${ms as number}ms`;
}

const NUMERIC = /^\s*\d+(\.\d+)?\s*$/;

// A string of digits (`'3000'`, from ConfigService or process.env) as its number; anything else
// unchanged, for the reader to accept or refuse naming it.
export function fromNumericString<T>(value: T): T | number {
  return typeof value === 'string' && NUMERIC.test(value) ? Number(value) : value;
}

function milliseconds(given: unknown, option: string): number | undefined {
  const value = fromNumericString(given);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new CacheConfigError(
      option,
      mustBe(
        'a number of milliseconds (>= 0) or a string of digits, as in @nestjs/cache-manager',
        value,
      ),
    );
  return value;
}

function identifier(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new CacheConfigError('cacheId', mustBe('a non-empty string', value));
  return value;
}
