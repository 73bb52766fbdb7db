// What CacheModule.register()/registerAsync() accept: @nestjs/cache-manager's options (TTLs in
// MILLISECONDS, as there) plus every RedisCacheModule option for the connection and the rest.
import type { ConfigurableModuleAsyncOptions, Provider, Type } from '@nestjs/common';
import type { RedisCacheModuleOptions } from '../engine/redis-cache-options.interface.js';

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
