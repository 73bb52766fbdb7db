// What the service reports: this process's stats snapshot, the fleet-wide sum, and the metric
// families behind the Prometheus text and a prom-client registry.
import { CacheStats, type CacheStatsSnapshot } from '../metrics/cache-stats.js';
import {
  ClusterStats,
  statsScope,
  type CacheStatsOptions,
  type ClusterCacheStats,
} from '../metrics/cluster-stats.js';
import { CacheInsight } from '../metrics/cache-insight.js';
import { readFamilies } from '../metrics/metric-families.js';
import type { MetricFamily } from '../metrics/prometheus-text.js';
import { keyspaceStatsIfAvailable } from '../metrics/redis-memory-stats.js';
import { StampedeCounters } from '../metrics/stampede-counters.js';
import { ValueCounters } from '../metrics/value-counters.js';
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
    private readonly stampede: StampedeCounters,
    private readonly values: ValueCounters,
    private readonly clusterStats: ClusterStats,
    private readonly bus: CacheBus,
    private readonly insight: CacheInsight,
  ) {}

  /** This process's snapshot, or (`scope: 'cluster'`) the sum over every instance. */
  stats(options?: CacheStatsOptions): CacheStatsSnapshot | Promise<ClusterCacheStats> {
    if (statsScope(options) === 'cluster') return this.clusterStats.read();
    const { available, errors, outages, skippedWrites } = this.connection.health;
    return {
      ...this.counters.snapshot({ available, errors, outages, skippedWrites }),
      writeBehind: this.writes.queue.snapshot(),
      l1: this.bus.l1?.stats(),
      stampede: this.stampede.snapshot(),
      values: this.values.snapshot(),
      ...this.insight.snapshot(),
    };
  }

  reset(): void {
    this.counters.reset();
    this.stampede.reset();
    this.values.reset();
    this.bus.l1?.resetStats();
    this.insight.reset();
  }

  /** The metric families, with Redis's keyspace hit ratio and a fresh sample of the queue. */
  async metricFamilies(options?: CacheStatsOptions): Promise<MetricFamily[]> {
    const stats = await this.stats(options);
    const [keyspace, writes] = await Promise.all([
      keyspaceStatsIfAvailable(this.connection),
      this.writes.queue.freshSnapshot(),
    ]);
    const sizes = 'bigKeys' in stats ? this.insight.bigKeys : undefined;
    return readFamilies({ stats, keyspace, writes, sizes }, { namespace: this.keys.namespace });
  }
}
