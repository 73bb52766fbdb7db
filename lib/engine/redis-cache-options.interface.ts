// What users pass to RedisCacheModule.forRoot()/forRootAsync(). Durations follow one rule
// everywhere: a number is seconds, a string carries its unit ('250ms', '5m').
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { RevivableClass } from '../codec/class-registry.js';
import type { SerializerName } from '../codec/serializer.js';
import type { ResilienceOptions } from '../stampede/resilience-options.js';
import type { L1Options } from '../tiers/l1-options.js';
import type { StatsOptions } from '../metrics/stats-options.js';
import type { Ttl } from '../time/ttl.js';
import type { WriteBehindModuleOptions } from '../write/write-behind-options.js';
import type { CompressionAlgorithm, CacheSerializer } from '../options/resolved-options.js';

/**
 * The protection options (`lock`, `grace`, `graceBackoff`, `timeout`, `hardTimeout`,
 * `earlyRecompute`) given here are the defaults of every getOrSet call and cached method.
 */
export interface RedisCacheModuleOptions extends ResilienceOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://`; default `REDIS_URL` or `redis://127.0.0.1:6379`. */
  url?: string;
  /** ioredis connection options (host, port, db, password, tls, sentinels + name for Sentinel...). */
  redis?: RedisOptions;
  /** Connect to a Redis Cluster instead of a single node. */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions };
  /** An existing ioredis client (Redis or Cluster); the module uses it and never closes it. */
  client?: Redis | Cluster;
  /** Prefix of every key: `{namespace}:{key}`. Default `cache`. */
  namespace?: string;
  /** Default time to live of entries; `0` means no expiry. Default `'1h'`. */
  ttl?: Ttl;
  /**
   * `'default'` (rich JSON), `'json'`, `'v8'`, your own `{ serialize, deserialize }`, or
   * `{ classes: [Money] }`: the default one, with the classes whose instances a hit returns as
   * instances (built on the class's prototype, without calling its constructor).
   */
  serializer?: SerializerName | CacheSerializer | { classes: readonly RevivableClass[] };
  /** Compress serialized values larger than `threshold` bytes; `false` turns it off. */
  compression?: false | { threshold?: number; algorithm?: CompressionAlgorithm };
  /** The size limits of keys, tags and values. */
  limits?: CacheLimits;
  /** How long the cache waits for Redis, and how long it leaves a failed Redis alone. */
  redisTimeouts?: RedisTimeouts;
  /** In-process L1 in front of Redis, kept coherent across instances over pub/sub: `true` for the defaults, or its limits. Default `false`. */
  l1?: boolean | L1Options;
  /** The write-behind queue: worker on/off, concurrency, batch size, retries, shutdown drain. */
  writeBehind?: WriteBehindModuleOptions;
  /** The `X-Cache` header, the fleet totals of `stats({ scope: 'cluster' })`, and Prometheus. */
  stats?: StatsOptions;
}

export interface CacheLimits {
  /** Longest accepted key, in characters. Default 1024. */
  keyLength?: number;
  /** Most distinct tags one entry may carry; more is a `CacheTooManyTagsError` and nothing is written. Default 64. */
  tagsPerEntry?: number;
  /** Largest serialized value (before compression) stored, in bytes; larger is a `CacheValueTooLargeError` and nothing is written. Default 64 MiB. */
  valueBytes?: number;
}

export interface RedisTimeouts {
  /** How long one Redis command may take before the cache gives up on it (a miss, a skipped write). Default `'250ms'`. */
  command?: Ttl;
  /** How long startup waits for Redis before serving uncached. Default `'2s'`. */
  connect?: Ttl;
  /** After a Redis failure, how long the cache bypasses Redis before trying again. Default `'1s'`. */
  retryAfter?: Ttl;
}

/**
 * A class supplying the options of `RedisCacheModule.forRootAsync({ useClass })` (or
 * `useExisting`): `@Injectable() class CacheConfig implements RedisCacheOptionsFactory { ... }`.
 */
export interface RedisCacheOptionsFactory {
  createRedisCacheOptions(): RedisCacheModuleOptions | Promise<RedisCacheModuleOptions>;
}

/** Options of `RedisCacheModule.forFeature()`: a name, and whatever differs from forRoot()'s options. */
export type RedisCacheFeatureOptions = Omit<
  RedisCacheModuleOptions,
  'url' | 'redis' | 'cluster' | 'client' | 'isGlobal'
> & {
  /** The cache's name, for `@InjectCache(name)` and the decorators' `cache` option. */
  name: string;
};
