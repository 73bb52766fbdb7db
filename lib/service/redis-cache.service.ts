// The injectable cache, a thin facade that checks the public calls' arguments: reads go through
// lookup/, writes through entry-writer.ts and write/, stats through cache-report.ts. Redis being
// down never fails a read or a write: reads miss, writes are skipped.
import type { Cluster, Redis } from 'ioredis';
import { CacheConfigError } from '../errors/errors.js';
import { mustBe } from '../options/option-kit.js';
import { CacheLookup } from '../lookup/cache-lookup.js';
import type { CacheStatsSnapshot } from '../metrics/cache-stats.js';
import type { CacheStatsOptions, ClusterCacheStats } from '../metrics/cache-stats.js';
import { renderFamilies } from '../metrics/prometheus-text.js';
import { KeySpace } from '../keys/key-space.js';
import type { ResolvedCacheOptions } from '../options/resolved-options.js';
import { RedisConnection } from '../redis/redis-connection.js';
import type { WriteBehindQueueApi } from '../write/write-behind-queue.js';
import {
  WriteStrategies,
  type CacheWriteTarget,
  type WriteBehindOptions,
} from '../write/write-strategies.js';
import { CacheReport } from './cache-report.js';
import { EntryWriter } from './entry-writer.js';
import {
  checkOptionNames,
  checkTags,
  resolveGetOrSetOptions,
  WRITE_OPTION_NAMES,
  type CacheWriteOptions,
  type GetOrSetOptions,
} from './get-or-set-options.js';
import type { Factory } from '../lookup/factory-context.js';
import type { ResolvedGetOrSet } from '../lookup/lookup-request.js';

export interface CacheEntryInput<T> extends CacheWriteOptions {
  key: string;
  value: T;
}

const MSET_ENTRY_NAMES = ['key', 'value', ...WRITE_OPTION_NAMES];

export class RedisCacheService {
  /** getOrSet without options: resolved once. */
  private readonly defaultLookup: ResolvedGetOrSet;

  /** @internal The engine builds it (lib/engine/cache-engine.ts); inject it, do not construct it. */
  constructor(
    private readonly options: ResolvedCacheOptions,
    private readonly connection: RedisConnection,
    private readonly keys: KeySpace,
    private readonly reads: CacheLookup,
    private readonly writer: EntryWriter,
    private readonly writes: WriteStrategies,
    private readonly report: CacheReport,
    private readonly writeTarget: CacheWriteTarget,
  ) {
    this.defaultLookup = resolveGetOrSetOptions(undefined, options.ttlMs, keys, 'getOrSet()');
  }

  /** The ioredis client in use, for data structures the cache does not cover (hashes, sorted sets...). */
  get client(): Redis | Cluster {
    return this.connection.client;
  }

  get namespace(): string {
    return this.options.namespace;
  }

  /** The value under `key`, or `undefined` when absent, expired, invalidated by tag, or Redis is unavailable. */
  get<T = unknown>(key: string): Promise<T | undefined> {
    return this.reads.get(key) as Promise<T | undefined>;
  }

  async set<T>(key: string, value: T, options: CacheWriteOptions = {}): Promise<void> {
    checkOptionNames(options, WRITE_OPTION_NAMES, 'set()');
    await this.writer.write([await this.writer.plan(key, value, options, 'set()')]);
  }

  /** Deletes entries; resolves to how many existed. */
  del(...keys: string[]): Promise<number> {
    return this.writer.del(keys);
  }

  has(key: string): Promise<boolean> {
    return this.reads.has(key);
  }

  mget<T = unknown>(keys: string[]): Promise<(T | undefined)[]> {
    return this.reads.getMany(keys) as Promise<(T | undefined)[]>;
  }

  /** Writes all entries or none: every key, TTL and value is checked and serialized before anything is sent. */
  async mset<T>(entries: CacheEntryInput<T>[]): Promise<void> {
    if (!Array.isArray(entries))
      throw new CacheConfigError(
        'mset().entries',
        mustBe('an array of { key, value, ttl?, tags? }', entries),
      );
    const plans = await Promise.all(
      entries.map((entry, i) => {
        checkOptionNames(entry, MSET_ENTRY_NAMES, `mset()[${i}]`);
        return this.writer.plan(entry.key, entry.value, entry, `mset()[${i}]`);
      }),
    );
    await this.writer.write(plans);
  }

  /**
   * The cached value, or the factory's result, stored for next time. Concurrent calls for the same
   * key in this process share one factory call (in the fleet, with the lock). A factory that throws
   * stores nothing. The factory's context sets this result's TTL or tags, or skips storing it.
   */
  getOrSet<T>(key: string, factory: Factory<T>, options?: GetOrSetOptions): Promise<T> {
    // Not an async function (a hit then costs no extra promise), but bad input still rejects
    // rather than throwing synchronously.
    try {
      if (typeof factory !== 'function')
        throw new CacheConfigError(
          'getOrSet().factory',
          mustBe('a function that computes the value', factory),
        );
      const resolved =
        options === undefined
          ? this.defaultLookup
          : resolveGetOrSetOptions(options, this.options.ttlMs, this.keys, 'getOrSet()');
      return this.reads.getOrSet(key, factory, resolved);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Seconds left before `key` expires (fractional); `Infinity` if it never expires; `undefined` when absent. */
  ttl(key: string): Promise<number | undefined> {
    return this.reads.ttl(key);
  }

  /** Every entry written with any of these tags is a miss from now on. O(1) per tag. */
  async invalidateTags(...tags: string[]): Promise<void> {
    const checked = checkTags(tags, this.keys, 'invalidateTags()', false);
    if (checked.length === 0) return;
    await this.writer.invalidateTags(checked);
  }

  /**
   * Deletes everything in this namespace (entries and tag versions), never another namespace's,
   * with SCAN in batches (never KEYS). Unlike reads and writes, it fails if Redis is unavailable.
   */
  clear(): Promise<void> {
    return this.writer.clear();
  }

  /** Hit/miss counters of this process, Redis health, and the write-behind queue. */
  stats(): CacheStatsSnapshot;
  stats(options: { scope: 'process' }): CacheStatsSnapshot;
  /** Hits and misses summed over every instance on this namespace (this process is flushed first). */
  stats(options: { scope: 'cluster' }): Promise<ClusterCacheStats>;
  stats(options?: CacheStatsOptions): CacheStatsSnapshot | Promise<ClusterCacheStats>;
  stats(options?: CacheStatsOptions): CacheStatsSnapshot | Promise<ClusterCacheStats> {
    return this.report.stats(options);
  }

  /**
   * Write-through: runs `persist` (your database write), then stores `value` under `key`. If
   * `persist` throws, the cache is left as it was and the error propagates. Resolves to what
   * `persist` returned.
   */
  writeThrough<R>(
    key: string,
    value: unknown,
    persist: () => R | Promise<R>,
    options?: CacheWriteOptions,
  ): Promise<R> {
    return this.writes.writeThrough(this.writeTarget, key, value, persist, options);
  }

  /**
   * Write-behind: stores `value` under `key` and queues a durable job for the writer registered
   * as `writer` (`@WriteBehindHandler(writer)`); resolves once Redis acknowledged both. A worker
   * later calls the writer with the value. If Redis is unreachable, the writer runs now instead.
   */
  writeBehind(
    key: string,
    value: unknown,
    writer: string,
    options?: WriteBehindOptions,
  ): Promise<void> {
    return this.writes.writeBehind(this.writeTarget, key, value, writer, options);
  }

  /** The write-behind queue shared by all instances: dead letters, retry, purge, stats. */
  get writeBehindQueue(): WriteBehindQueueApi {
    return this.writes.queue;
  }

  resetStats(): void {
    this.report.reset();
  }

  /**
   * The hit/miss counters in Prometheus text format (serve with Content-Type
   * PROMETHEUS_CONTENT_TYPE), with Redis's own keyspace hit ratio from INFO stats beside them.
   */
  async metrics(options?: CacheStatsOptions): Promise<string> {
    return renderFamilies(await this.report.metricFamilies(options));
  }
}
