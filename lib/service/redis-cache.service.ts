// The injectable cache: get/set/getOrSet and friends over one namespace in Redis, with tag
// invalidation, in-process single flight, and graceful degradation when Redis is unavailable
// (reads become misses, writes are skipped, the app keeps serving).
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import {
  EntryCodec,
  type DecodedEntry,
  type EncodedValue,
  type EntryMeta,
} from '../codec/entry-codec.js';
import { CacheConfigError } from '../errors/cache-config.error.js';
import { mustBe } from '../options/option-kit.js';
import { CacheSerializationError } from '../errors/serialization.error.js';
import { CacheValueTooLargeError } from '../errors/value-too-large.error.js';
import { KeySpace } from '../keys/key-space.js';
import { CacheStats, type CacheStatsSnapshot } from '../metrics/cache-stats.js';
import {
  ClusterStats,
  statsScope,
  type CacheStatsOptions,
  type ClusterCacheStats,
} from '../metrics/cluster-stats.js';
import { cacheFamilies } from '../metrics/cache-metrics.js';
import { renderFamilies, type MetricFamily } from '../metrics/prometheus-text.js';
import { writeBehindFamilies } from '../metrics/write-behind-metrics.js';
import { keyspaceStatsIfAvailable } from '../metrics/redis-keyspace-stats.js';
import { ReadBatcher } from '../redis/read-batcher.js';
import { setEntry } from '../redis/set-entry.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { isFresh, freshMsLeft } from '../stampede/freshness.js';
import { ResilientLookup } from '../stampede/resilient-lookup.js';
import { TagVersionStore, type KnownTagVersions } from '../tags/tag-version-store.js';
import { writeWithTags } from '../tags/write-with-tags.js';
import { CacheBus } from '../tiers/cache-bus.js';
import { parseTtl } from '../time/ttl.js';
import type { WriteBehindQueueApi } from '../write/write-behind-queue.js';
import { WriteStrategies, type WriteBehindOptions } from '../write/write-strategies.js';
import {
  checkOptionNames,
  checkTags,
  resolveGetOrSetOptions,
  WRITE_OPTION_NAMES,
  type CacheWriteOptions,
  type GetOrSetOptions,
  type LookupContext,
  type ResolvedGetOrSet,
} from './get-or-set-options.js';
import { RESOLVED_CACHE_OPTIONS, type ResolvedCacheOptions } from '../options/resolved-options.js';

export interface CacheEntryInput<T> extends CacheWriteOptions {
  key: string;
  value: T;
}

interface WritePlan {
  redisKey: string;
  key: string;
  encoded: EncodedValue;
  ttlMs: number;
  tags: string[];
  /** Freshness metadata (when an L1 must know when the entry expires). */
  meta?: EntryMeta;
}

/** A lookup running in this process, shared by concurrent callers of the same key. */
interface InFlightLookup {
  promise: Promise<unknown>;
  outcome: { hit?: boolean };
}

const SCAN_BATCH = 500;
const MSET_ENTRY_NAMES = ['key', 'value', ...WRITE_OPTION_NAMES];

@Injectable()
export class RedisCacheService {
  private readonly logger = new Logger('RedisCache');
  private readonly codec: EntryCodec;
  private readonly tags: TagVersionStore;
  private readonly reads: ReadBatcher;
  private readonly inFlight = new Map<string, InFlightLookup>();
  /** getOrSet without options: resolved once. */
  private readonly defaultLookup: ResolvedGetOrSet;
  private readonly engine: ResilientLookup;

  constructor(
    @Inject(RESOLVED_CACHE_OPTIONS) private readonly options: ResolvedCacheOptions,
    private readonly connection: RedisConnection,
    private readonly keys: KeySpace,
    private readonly counters: CacheStats,
    private readonly writes: WriteStrategies,
    private readonly clusterStats: ClusterStats,
    private readonly bus: CacheBus,
  ) {
    const { client, isCluster } = connection;
    this.codec = new EntryCodec(options.serializer, options.compression, options.maxValueBytes);
    this.tags = new TagVersionStore(client, isCluster, this.keys);
    this.reads = new ReadBatcher(client, isCluster, options.coalesceReads);
    this.defaultLookup = resolveGetOrSetOptions(undefined, options.ttlMs, keys, 'getOrSet()');
    this.engine = new ResilientLookup({
      client,
      isCluster,
      health: connection.health,
      codec: this.codec,
      tags: this.tags,
      keys: this.keys,
      counters: this.counters,
      bus,
      defaults: options.resilience,
      readRaw: (redisKey) => this.reads.get(redisKey),
      decodeValid: (key, raw, known) => this.decodeValid(key, raw, known),
      encode: (key, value) => this.encode(key, value),
    });
  }

  /** The ioredis client in use, for data structures the cache does not cover (hashes, sorted sets...). */
  get client(): Redis | Cluster {
    return this.connection.client;
  }

  get namespace(): string {
    return this.options.namespace;
  }

  /** The value under `key`, or `undefined` when absent, expired, invalidated by tag, or Redis is unavailable. */
  async get<T = unknown>(key: string): Promise<T | undefined> {
    return (await this.engine.get(key, this.keys.entry(key), undefined)) as T | undefined;
  }

  async set<T>(key: string, value: T, options: CacheWriteOptions = {}): Promise<void> {
    checkOptionNames(options, WRITE_OPTION_NAMES, 'set()');
    const plan = await this.planWrite(key, value, options, 'set()');
    await this.write([plan]);
    await this.engine.keysChanged([key]);
  }

  /** Deletes entries; resolves to how many existed. */
  async del(...keys: string[]): Promise<number> {
    const redisKeys = keys.map((key) => this.keys.entry(key));
    if (redisKeys.length === 0) return 0;
    const deleted = await this.redisWrite(async () => {
      if (!this.connection.isCluster) return this.client.del(...redisKeys);
      const counts = await Promise.all(redisKeys.map((key) => this.client.del(key)));
      return counts.reduce((sum, n) => sum + n, 0);
    });
    await this.engine.keysChanged(keys);
    return deleted ?? 0;
  }

  async has(key: string): Promise<boolean> {
    const redisKey = this.keys.entry(key);
    const raw = await this.redisRead(() => this.reads.get(redisKey));
    if (!raw) return false;
    const meta = this.safeMeta(key, raw);
    if (meta === null || !isFresh(meta)) return false;
    return (await this.tagsValid(meta)) ?? false;
  }

  async mget<T = unknown>(keys: string[]): Promise<(T | undefined)[]> {
    const redisKeys = keys.map((key) => this.keys.entry(key));
    const raws =
      (await this.redisRead(() => this.reads.getMany(redisKeys))) ?? redisKeys.map(() => null);
    return Promise.all(
      raws.map(async (raw, i) => {
        const decoded = raw ? await this.decodeValid(keys[i], raw) : undefined;
        const entry = decoded && isFresh(decoded.meta) ? decoded : undefined;
        this.counters.record(entry !== undefined);
        return entry?.value as T | undefined;
      }),
    );
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
        return this.planWrite(entry.key, entry.value, entry, `mset()[${i}]`);
      }),
    );
    await this.write(plans);
    await this.engine.keysChanged(plans.map((plan) => plan.key));
  }

  /**
   * The cached value, or the factory's result, stored for next time. Concurrent calls for the same
   * key in this process share one lookup and one factory call. A factory that throws stores nothing.
   */
  getOrSet<T>(key: string, factory: () => T | Promise<T>, options?: GetOrSetOptions): Promise<T> {
    // Not an async function (an L1 hit then costs no extra promise), but bad input still
    // rejects rather than throwing synchronously.
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
      return this.lookup(key, factory, resolved);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * getOrSet with options already validated (decorators resolve theirs once, at bootstrap).
   * @internal
   */
  lookup<T>(
    key: string,
    factory: () => T | Promise<T>,
    options: ResolvedGetOrSet,
    context?: LookupContext,
  ): Promise<T> {
    const redisKey = this.keys.entry(key);
    const fromL1 = this.engine.l1HitNow(key, redisKey, factory, options, context);
    if (fromL1) return Promise.resolve(fromL1.value);
    const running = this.inFlight.get(redisKey);
    if (running) return this.join(running, context) as Promise<T>;
    const outcome: { hit?: boolean } = {};
    const leader: LookupContext = { ...context, onOutcome: (hit) => (outcome.hit = hit) };
    // L1, Redis, then one factory run in the fleet, with grace, fail-safe and early recompute:
    // lib/stampede/resilient-lookup.ts.
    const promise = this.engine
      .lookup(key, redisKey, factory, options, leader)
      .finally(() => this.inFlight.delete(redisKey));
    this.inFlight.set(redisKey, { promise, outcome });
    return promise;
  }

  /** A caller sharing another's lookup counts as that lookup did (a hit if it was one). */
  private async join(flight: InFlightLookup, context: LookupContext | undefined): Promise<unknown> {
    try {
      const value = await flight.promise;
      this.counters.record(flight.outcome.hit ?? false, context?.method);
      return value;
    } catch (error) {
      this.counters.record(false, context?.method);
      throw error;
    }
  }

  /** Alias of getOrSet, for users coming from cache-manager. */
  wrap<T>(key: string, factory: () => T | Promise<T>, options?: GetOrSetOptions): Promise<T> {
    return this.getOrSet(key, factory, options);
  }

  /** Seconds left before `key` expires (fractional); `Infinity` if it never expires; `undefined` when absent. */
  async ttl(key: string): Promise<number | undefined> {
    const redisKey = this.keys.entry(key);
    const result = await this.redisRead(() =>
      Promise.all([this.client.pttl(redisKey), this.client.getBuffer(redisKey)]),
    );
    if (!result) return undefined;
    const [pttl, raw] = result;
    if (pttl === -2 || !raw) return undefined;
    const meta = this.safeMeta(key, raw);
    if (meta === null || !(await this.tagsValid(meta))) return undefined;
    // An entry kept for its grace period reports the freshness left, not its life in Redis.
    const freshLeft = freshMsLeft(meta);
    if (freshLeft !== undefined) return freshLeft > 0 ? freshLeft / 1000 : undefined;
    return pttl === -1 ? Number.POSITIVE_INFINITY : pttl / 1000;
  }

  /** Every entry written with any of these tags is a miss from now on. O(1) per tag. */
  async invalidateTags(...tags: string[]): Promise<void> {
    const checked = checkTags(tags, this.keys, 'invalidateTags()', false);
    if (checked.length === 0) return;
    await this.redisWrite(() => this.tags.invalidate(checked));
    await this.engine.tagsInvalidated(checked);
  }

  /**
   * Deletes everything in this namespace (entries and tag versions), never another namespace's,
   * with SCAN in batches (never KEYS). Unlike reads and writes, it fails if Redis is unavailable.
   */
  async clear(): Promise<void> {
    const nodes = this.connection.isCluster
      ? (this.client as Cluster).nodes('master')
      : [this.client as Redis];
    await Promise.all(
      nodes.flatMap((node) =>
        this.keys.scanPatterns.map((pattern) =>
          clearPattern(node, pattern, this.connection.isCluster),
        ),
      ),
    );
    await this.engine.cleared();
  }

  /** Hit/miss counters of this process, Redis health, and the write-behind queue. */
  stats(): CacheStatsSnapshot;
  stats(options: { scope: 'process' }): CacheStatsSnapshot;
  /** Hits and misses summed over every instance on this namespace (this process is flushed first). */
  stats(options: { scope: 'cluster' }): Promise<ClusterCacheStats>;
  stats(options?: CacheStatsOptions): CacheStatsSnapshot | Promise<ClusterCacheStats>;
  stats(options?: CacheStatsOptions): CacheStatsSnapshot | Promise<ClusterCacheStats> {
    if (statsScope(options) === 'cluster') return this.clusterStats.read();
    const health = this.connection.health;
    const snapshot = this.counters.snapshot({
      available: health.available,
      errors: health.errors,
      outages: health.outages,
      skippedWrites: health.skippedWrites,
    });
    return {
      ...snapshot,
      writeBehind: this.writes.queue.snapshot(),
      l1: this.bus.l1?.stats(),
      stampede: { ...this.engine.stats },
    };
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
    return this.writes.writeThrough(this, key, value, persist, options);
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
    return this.writes.writeBehind(this, key, value, writer, options);
  }

  /** The write-behind queue shared by all instances: dead letters, retry, purge, stats. */
  get writeBehindQueue(): WriteBehindQueueApi {
    return this.writes.queue;
  }

  resetStats(): void {
    this.counters.reset();
    this.engine.resetStats();
  }

  /**
   * The hit/miss counters in Prometheus text format (serve with Content-Type
   * PROMETHEUS_CONTENT_TYPE), with Redis's own keyspace hit ratio from INFO stats beside them.
   */
  async metrics(options?: CacheStatsOptions): Promise<string> {
    return renderFamilies(await this.metricFamilies(options));
  }

  /**
   * The metric families `metrics()` renders, as data (also what a prom-client registry gets).
   * @internal
   */
  async metricFamilies(options?: CacheStatsOptions): Promise<MetricFamily[]> {
    const stats = statsScope(options) === 'cluster' ? await this.clusterStats.read() : this.stats();
    const [keyspace, writes] = await Promise.all([
      keyspaceStatsIfAvailable(this.connection),
      this.writes.queue.freshSnapshot(),
    ]);
    return [
      ...cacheFamilies(stats, this.namespace, keyspace),
      ...writeBehindFamilies(writes, this.namespace),
    ];
  }

  /** Decodes an entry, or undefined if it is corrupt or one of its tags was invalidated. */
  private async decodeValid(
    key: string,
    raw: Buffer,
    known?: KnownTagVersions,
  ): Promise<DecodedEntry | undefined> {
    let entry: DecodedEntry;
    try {
      entry = await this.codec.decode(raw);
    } catch (error) {
      this.logger.warn(
        `Entry "${key}" cannot be decoded and is treated as a miss: ${(error as Error).message}`,
      );
      return undefined;
    }
    if (!entry.meta?.tags) return entry;
    return (await this.tagsValid(entry.meta, known)) ? entry : undefined;
  }

  private safeMeta(key: string, raw: Buffer): EntryMeta | undefined | null {
    try {
      return this.codec.readMeta(raw);
    } catch (error) {
      this.logger.warn(
        `Entry "${key}" cannot be decoded and is treated as a miss: ${(error as Error).message}`,
      );
      return null;
    }
  }

  /** True if the entry has no tags or all are current; undefined if Redis could not tell. */
  private async tagsValid(
    meta: EntryMeta | undefined,
    known?: KnownTagVersions,
  ): Promise<boolean | undefined> {
    if (!meta?.tags) return true;
    const recorded = meta.tags;
    return this.redisRead(() => this.tags.stillValid(recorded, known));
  }

  private async planWrite(
    key: string,
    value: unknown,
    options: CacheWriteOptions,
    where: string,
  ): Promise<WritePlan> {
    const redisKey = this.keys.entry(key);
    const ttlMs =
      options?.ttl === undefined ? this.options.ttlMs : parseTtl(options.ttl, `${where}.ttl`);
    const tags = checkTags(options?.tags, this.keys, `${where}.tags`);
    if (value === undefined) {
      throw new CacheSerializationError(
        key,
        new TypeError('undefined means "absent" and is never stored; use del() to remove a key'),
      );
    }
    const encoded = await this.encode(key, value);
    return { redisKey, key, encoded, ttlMs, tags, meta: this.engine.writeMeta(ttlMs) };
  }

  private async encode(key: string, value: unknown): Promise<EncodedValue> {
    try {
      return await this.codec.encodeValue(value, key);
    } catch (error) {
      if (error instanceof CacheValueTooLargeError) throw error;
      throw new CacheSerializationError(key, error);
    }
  }

  /** Stores planned entries, with their tags in the same step; skipped (and counted) when Redis is unavailable. */
  private async write(plans: WritePlan[]): Promise<void> {
    if (plans.length === 0) return;
    if (plans.some((plan) => plan.tags.length > 0)) {
      await writeWithTags(
        this.tags,
        this.connection.health,
        plans.map((plan) => ({
          ...plan,
          assemble: (tags) =>
            this.codec.assemble(plan.encoded, tags ? { ...plan.meta, tags } : plan.meta),
        })),
      );
      return;
    }
    await this.send(plans);
  }

  private async send(plans: WritePlan[]): Promise<void> {
    const buffers = plans.map((plan) => this.codec.assemble(plan.encoded, plan.meta));
    await this.redisWrite(async () => {
      if (plans.length === 1)
        return setEntry(this.client, plans[0].redisKey, buffers[0], plans[0].ttlMs);
      if (this.connection.isCluster) {
        return Promise.all(
          plans.map((plan, i) => setEntry(this.client, plan.redisKey, buffers[i], plan.ttlMs)),
        );
      }
      // One transaction on a single node: all entries land or none do.
      const transaction = (this.client as Redis).multi();
      plans.forEach((plan, i) =>
        plan.ttlMs > 0
          ? transaction.set(plan.redisKey, buffers[i], 'PX', plan.ttlMs)
          : transaction.set(plan.redisKey, buffers[i]),
      );
      return transaction.exec();
    });
  }

  private redisRead<T>(operation: () => Promise<T>): Promise<T | undefined> {
    return this.connection.health.attempt(operation, 'read');
  }

  private redisWrite<T>(operation: () => Promise<T>): Promise<T | undefined> {
    return this.connection.health.attempt(operation, 'write');
  }
}

async function clearPattern(node: Redis, pattern: string, isCluster: boolean): Promise<void> {
  const stream = node.scanStream({ match: pattern, count: SCAN_BATCH });
  for await (const batch of stream as AsyncIterable<string[]>) {
    if (batch.length === 0) continue;
    // On a cluster node the keys of one batch may sit in different slots: one UNLINK each.
    if (isCluster) await Promise.all(batch.map((key) => node.unlink(key)));
    else await node.unlink(...batch);
  }
}
