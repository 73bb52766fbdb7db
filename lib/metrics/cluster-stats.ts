// Fleet-wide hit/miss totals: each process adds its counts since the last flush to one Redis hash
// per namespace (HINCRBY in one MULTI), on a timer and before reading, never per lookup; unsent
// counts wait for the next flush. With stats.flushInterval false, only reading the totals flushes.
import type { CacheLogger } from '../events/cache-logger.js';
import type { Redis } from 'ioredis';
import { oneOf } from '../options/option-kit.js';
import { KeySpace } from '../keys/key-space.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { CacheStats, totalsFromFields, type HitMissCounts } from './cache-stats.js';
import { type ResolvedCacheOptions } from '../options/resolved-options.js';
import { CacheInsight, type CacheInsightSnapshot } from './cache-insight.js';

/**
 * `stats({ scope: 'cluster' })`: the counts of every instance on this namespace, summed, the
 * fleet's hot keys, and Redis's memory as this instance last read it.
 */
export interface ClusterCacheStats
  extends HitMissCounts, Pick<CacheInsightSnapshot, 'hotKeys' | 'memory'> {
  handlers: Record<string, HitMissCounts>;
  methods: Record<string, HitMissCounts>;
}

export class ClusterStats {
  private readonly hashKey: string;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly counters: CacheStats,
    private readonly connection: RedisConnection,
    keys: KeySpace,
    private readonly options: ResolvedCacheOptions,
    private readonly insight: CacheInsight,
    private readonly logger: CacheLogger,
  ) {
    this.hashKey = keys.internal('stats', 'counters');
  }

  start(): void {
    const interval = this.options.stats.flushIntervalMs;
    if (interval === false) return;
    this.timer = setInterval(() => void this.flush(), interval);
    this.timer.unref();
  }

  /** The last counts go out before the connection closes. */
  async stop(): Promise<void> {
    if (this.timer === undefined) return; // stats.flushInterval: false
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Adds this process's unsent counts to the totals; one flush at a time. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.send()).then(() => this.insight.flush());
    return this.flushing;
  }

  /** Flushes this process, then reads the totals. Rejects when Redis cannot be read. */
  async read(): Promise<ClusterCacheStats> {
    await this.flush();
    const [hash, insight] = await Promise.all([
      this.connection.client.hgetall(this.hashKey),
      this.insight.fleetSnapshot(),
    ]);
    return { ...totalsFromFields(hash), ...insight };
  }

  private async send(): Promise<void> {
    const delta = this.counters.drainUnsent();
    if (delta.length === 0) return;
    if (!this.connection.health.usable()) {
      this.counters.restoreUnsent(delta);
      return;
    }
    try {
      const transaction = (this.connection.client as Redis).multi();
      for (const [field, count] of delta) transaction.hincrby(this.hashKey, field, count);
      const results = await transaction.exec();
      if (!results) throw new Error('the transaction was aborted');
    } catch (error) {
      // Kept for the next flush; Redis outages are reported by the connection's health tracking.
      this.counters.restoreUnsent(delta);
      this.logger.debug(`Cluster stats not flushed, retrying later: ${(error as Error).message}`);
    }
  }
}

/** Which counters `stats()` and `metrics()` report: this process (default) or all instances. */
export interface CacheStatsOptions {
  scope?: 'process' | 'cluster';
}

/** The scope asked for; a CacheConfigError for anything but 'process' or 'cluster'. */
export function statsScope(options: CacheStatsOptions | undefined): 'process' | 'cluster' {
  return oneOf(options?.scope ?? 'process', ['process', 'cluster'], 'scope');
}
