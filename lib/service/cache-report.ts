// What the service reports: this process's stats snapshot, the fleet-wide sum, and the metric
// families behind the Prometheus text and a prom-client registry.
import {
  CacheStats,
  statsScope,
  type CacheStatsOptions,
  type CacheStatsSnapshot,
  type ClusterCacheStats,
} from '../metrics/cache-stats.js';
import { readFamilies } from '../metrics/metric-families.js';
import type { MetricFamily } from '../metrics/prometheus-text.js';
import { keyspaceStatsIfAvailable } from '../metrics/redis-memory-stats.js';
import { KeySpace } from '../keys/key-space.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { CacheBus } from '../tiers/cache-bus.js';
import { WriteStrategies } from '../write/write-strategies.js';

export class CacheReport {
  constructor(
    private readonly connection: RedisConnection,
    private readonly keys: KeySpace,
    private readonly writes: WriteStrategies,
    private readonly counters: CacheStats,
    private readonly bus: CacheBus,
  ) {}

  /** This process's snapshot, or (`scope: 'cluster'`) the sum over every instance. */
  stats(options?: CacheStatsOptions): CacheStatsSnapshot | Promise<ClusterCacheStats> {
    if (statsScope(options) === 'cluster') return this.counters.cluster();
    const { available, errors, outages, skippedWrites } = this.connection.health;
    return this.counters.snapshot({
      redis: { available, errors, outages, skippedWrites },
      writeBehind: this.writes.queue.snapshot(),
      l1: this.bus.l1?.stats(),
    });
  }

  reset(): void {
    this.counters.reset();
    this.bus.l1?.resetStats();
  }

  /** The metric families, with Redis's keyspace hit ratio and a fresh sample of the queue. */
  async metricFamilies(options?: CacheStatsOptions): Promise<MetricFamily[]> {
    const stats = await this.stats(options);
    const [keyspace, writes] = await Promise.all([
      keyspaceStatsIfAvailable(this.connection),
      this.writes.queue.freshSnapshot(),
    ]);
    const sizes = 'bigKeys' in stats ? this.counters.bigKeys : undefined;
    return readFamilies({ stats, keyspace, writes, sizes }, { namespace: this.keys.namespace });
  }
}
