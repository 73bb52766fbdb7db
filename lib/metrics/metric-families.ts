// Every metric family of `metrics()`, in one table read from one scrape's input: the Prometheus
// text, the prom-client collectors and the OpenTelemetry instruments all come from it. Hot keys
// carry a key label on 10 series at most (bounded cardinality); write-behind durations are in
// seconds, as Prometheus conventions want.
import { LATENCY_BUCKETS_MS, type LatencySnapshot } from '../write/write-behind-stats.js';
import type { WriteBehindStatsSnapshot } from '../write/write-behind-stats.js';
import type { BigKeys } from './big-keys.js';
import type { CacheStatsSnapshot, ClusterCacheStats, HitMissCounts } from './cache-stats.js';
import type { HotKey } from './hot-keys.js';
import {
  histogramSamples,
  type MetricFamily,
  type MetricFamilyInfo,
  type MetricLabels,
  type MetricSample,
} from './prometheus-text.js';
import type { RedisKeyspaceStats, RedisMemoryNode } from './redis-memory-stats.js';

/** What one scrape reads. */
export interface MetricsInput {
  /** This process's stats, or the fleet's (which have no big keys). */
  stats: CacheStatsSnapshot | ClusterCacheStats;
  /** Only when Redis answers INFO. */
  keyspace?: RedisKeyspaceStats;
  writes: WriteBehindStatsSnapshot;
  /** The sizes this process wrote; absent in the fleet scope. */
  sizes?: BigKeys;
}

/** A family's samples, a single value (under the namespace's labels), or undefined: no family. */
type Read = (input: MetricsInput, labels: MetricLabels) => MetricSample[] | number | undefined;

/** A family of the table, under its name. */
type TableFamily = Omit<MetricFamilyInfo, 'name'> & { read: Read };

const counter = (help: string, read: Read): TableFamily => ({ type: 'counter', help, read });
const gauge = (help: string, read: Read): TableFamily => ({ type: 'gauge', help, read });
const histogram = (help: string, read: Read): TableFamily => ({ type: 'histogram', help, read });

/** The handler label of lookups made outside any request CacheStatsInterceptor saw. */
const NO_HANDLER = '';

type Count = (counts: HitMissCounts) => number;

// Lookups outside any tallied request get the NO_HANDLER label, so the family sums to the total.
const byHandler =
  (count: Count): Read =>
  ({ stats }, labels) => {
    const handlers = Object.entries(stats.handlers);
    const outside = count(stats) - handlers.reduce((sum, [, counts]) => sum + count(counts), 0);
    return [
      ...handlers.map(([handler, counts]) => ({
        labels: { ...labels, handler },
        value: count(counts),
      })),
      ...(outside > 0 ? [{ labels: { ...labels, handler: NO_HANDLER }, value: outside }] : []),
    ];
  };

const byMethod =
  (count: Count): Read =>
  ({ stats }, labels) =>
    Object.entries(stats.methods).map(([method, counts]) => ({
      labels: { ...labels, method },
      value: count(counts),
    }));

const byHotKey =
  (value: (key: HotKey) => number): Read =>
  ({ stats }, labels) =>
    (stats.hotKeys ?? []).map((hot) => ({
      labels: { ...labels, key: hot.key },
      value: value(hot),
    }));

/** Only once Redis's memory was read (INFO answered at a stats flush); a node label on Cluster. */
type Of<T> = (node: RedisMemoryNode) => T;

const byNode =
  (value: Of<number>, more?: Of<MetricLabels>): Read =>
  ({ stats }, labels) =>
    stats.memory?.nodes.map((node) => ({
      labels: {
        ...labels,
        ...(node.node === undefined ? {} : { node: node.node }),
        ...more?.(node),
      },
      value: value(node),
    }));

const seconds =
  (latency: (writes: WriteBehindStatsSnapshot) => LatencySnapshot): Read =>
  ({ writes }, labels) => {
    const { buckets, count, sumMs } = latency(writes);
    const bounds = LATENCY_BUCKETS_MS.map((ms) => ms / 1000);
    return histogramSamples(labels, bounds, buckets, count, sumMs / 1000);
  };

const FAMILIES: Record<string, TableFamily> = {
  cache_hits_total: counter(
    'Cache hits, by HTTP handler ("" outside requests).',
    byHandler((c) => c.hits),
  ),
  cache_misses_total: counter(
    'Cache misses, by HTTP handler ("" outside requests).',
    byHandler((c) => c.misses),
  ),
  cache_method_hits_total: counter(
    'Cache hits of decorated methods, by method.',
    byMethod((c) => c.hits),
  ),
  cache_method_misses_total: counter(
    'Cache misses of decorated methods, by method.',
    byMethod((c) => c.misses),
  ),
  cache_hit_ratio: gauge(
    'Hits / (hits + misses) of this cache; 0 before any lookup.',
    ({ stats }) => stats.hitRatio,
  ),
  redis_keyspace_hits_total: counter(
    'keyspace_hits from Redis INFO stats (whole server).',
    ({ keyspace }) => keyspace?.keyspaceHits,
  ),
  redis_keyspace_misses_total: counter(
    'keyspace_misses from Redis INFO stats (whole server).',
    ({ keyspace }) => keyspace?.keyspaceMisses,
  ),
  redis_keyspace_hit_ratio: gauge(
    'keyspace_hits / (keyspace_hits + keyspace_misses) from Redis INFO stats.',
    ({ keyspace }) => {
      if (keyspace === undefined) return undefined;
      const total = keyspace.keyspaceHits + keyspace.keyspaceMisses;
      return total === 0 ? 0 : keyspace.keyspaceHits / total;
    },
  ),
  cache_write_behind_queue_depth: gauge(
    'Write-behind jobs not persisted yet (all instances).',
    ({ writes }) => writes.queue.depth,
  ),
  cache_write_behind_pending: gauge(
    'Write-behind jobs delivered to a worker and not acknowledged yet (all instances).',
    ({ writes }) => writes.queue.pending,
  ),
  cache_write_behind_delayed: gauge(
    'Keys waiting for a write-behind retry (all instances).',
    ({ writes }) => writes.queue.delayed,
  ),
  cache_write_behind_dead_letters: gauge(
    'Jobs in the write-behind dead-letter stream (all instances).',
    ({ writes }) => writes.queue.deadLetters,
  ),
  cache_write_behind_in_flight: gauge(
    'Persister calls running in this process.',
    ({ writes }) => writes.inFlight,
  ),
  cache_write_behind_enqueued_total: counter(
    'Writes queued by this process.',
    ({ writes }) => writes.enqueued,
  ),
  cache_write_behind_not_durable_total: counter(
    'Writes queued that fewer replicas than writeBehind.durability.replicas confirmed in time.',
    ({ writes }) => writes.notDurable,
  ),
  cache_write_behind_coalesced_total: counter(
    'Writes merged into a queued job (persister calls saved).',
    ({ writes }) => writes.coalesced,
  ),
  cache_write_behind_persisted_total: counter(
    'Jobs persisted by this process.',
    ({ writes }) => writes.persisted,
  ),
  cache_write_behind_retries_total: counter(
    'Failed persister calls scheduled for a retry.',
    ({ writes }) => writes.retries,
  ),
  cache_write_behind_dead_lettered_total: counter(
    'Jobs this process moved to the dead-letter stream.',
    ({ writes }) => writes.deadLettered,
  ),
  cache_write_behind_fallbacks_total: counter(
    'Writes persisted synchronously because Redis was unreachable.',
    ({ writes }) => writes.fallbacks,
  ),
  cache_write_through_total: counter(
    'Write-through persister calls, by outcome.',
    ({ writes }, labels) => [
      { labels: { ...labels, outcome: 'succeeded' }, value: writes.writeThrough.succeeded },
      { labels: { ...labels, outcome: 'failed' }, value: writes.writeThrough.failed },
    ],
  ),
  cache_write_behind_persist_duration_seconds: histogram(
    'Time one write-behind persister call took.',
    seconds((writes) => writes.persistLatency),
  ),
  cache_write_behind_lag_seconds: histogram(
    'From enqueue to persisted acknowledgement of a write-behind job.',
    seconds((writes) => writes.lag),
  ),
  cache_hot_key_reads: gauge(
    'Estimated reads of the 10 most read keys (sampled), by key.',
    byHotKey((hot) => hot.reads),
  ),
  cache_hot_key_hit_ratio: gauge(
    'Hit ratio of the 10 most read keys, by key.',
    byHotKey((hot) => hot.hitRatio),
  ),
  cache_big_key_bytes: gauge(
    'Size in Redis of the 10 largest entries written and read by this process, by op and key.',
    ({ stats }, labels) =>
      (['written', 'read'] as const).flatMap((op) =>
        ((stats as CacheStatsSnapshot).bigKeys?.[op] ?? []).map((big) => ({
          labels: { ...labels, op, key: big.key },
          value: big.bytes,
        })),
      ),
  ),
  cache_entry_bytes: histogram(
    'Size in Redis of the entries this process wrote.',
    ({ sizes }, labels) => sizes?.histogram(labels) ?? [],
  ),
  redis_used_memory_bytes: gauge(
    'used_memory from Redis INFO memory, by master on Cluster.',
    byNode((node) => node.usedMemory),
  ),
  redis_maxmemory_bytes: gauge(
    'maxmemory from Redis INFO memory (0: no limit), by master on Cluster.',
    byNode((node) => node.maxmemory),
  ),
  redis_maxmemory_policy: gauge(
    'maxmemory_policy from Redis INFO memory, as a policy label of value 1.',
    byNode(
      () => 1,
      (node) => ({ policy: node.maxmemoryPolicy }),
    ),
  ),
  redis_evicted_keys_total: counter(
    'evicted_keys from Redis INFO stats (whole server), by master on Cluster.',
    byNode((node) => node.evictedKeys),
  ),
  redis_expired_keys_total: counter(
    'expired_keys from Redis INFO stats (whole server), by master on Cluster.',
    byNode((node) => node.expiredKeys),
  ),
};

/** What each family is, known before any value: what a registry needs to register it. */
export const METRIC_FAMILIES: readonly MetricFamilyInfo[] = Object.entries(FAMILIES).map(
  ([name, { type, help }]) => ({ name, type, help }),
);

/** Every family read from `input` (those whose source is absent left out). */
export function readFamilies(input: MetricsInput, labels: MetricLabels): MetricFamily[] {
  return Object.entries(FAMILIES).flatMap(([name, { type, help, read }]) => {
    const samples = read(input, labels);
    if (samples === undefined) return [];
    const sampleList = typeof samples === 'number' ? [{ labels, value: samples }] : samples;
    return [{ name, type, help, samples: sampleList }];
  });
}
