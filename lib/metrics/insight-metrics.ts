// Metric families of the hot keys (a key label on 10 series at most: bounded cardinality), the
// big keys, the entry size histogram and each master's memory and evictions.
import type { BigKeys, BigKeysSnapshot } from './big-keys.js';
import type { HotKey } from './hot-keys.js';
import { family, type MetricLabels, type TableFamily } from './prometheus-text.js';
import type { RedisMemoryNode, RedisMemoryStats } from './redis-memory-stats.js';

export interface InsightMetricsInput {
  hotKeys: HotKey[];
  /** Absent in the fleet scope: sizes are this process's. */
  bigKeys?: BigKeysSnapshot;
  sizes?: BigKeys;
}

const byHotKey =
  (value: (key: HotKey) => number) => (input: InsightMetricsInput, labels: MetricLabels) =>
    input.hotKeys.map((hot) => ({ labels: { ...labels, key: hot.key }, value: value(hot) }));

export const INSIGHT_FAMILIES: readonly TableFamily<InsightMetricsInput>[] = [
  family(
    'cache_hot_key_reads',
    'gauge',
    'Estimated reads of the 10 most read keys (sampled), by key.',
    byHotKey((hot) => hot.reads),
  ),
  family(
    'cache_hot_key_hit_ratio',
    'gauge',
    'Hit ratio of the 10 most read keys, by key.',
    byHotKey((hot) => hot.hitRatio),
  ),
  family(
    'cache_big_key_bytes',
    'gauge',
    'Size in Redis of the 10 largest entries written and read by this process, by op and key.',
    ({ bigKeys }, labels) =>
      bigKeys
        ? (['written', 'read'] as const).flatMap((op) =>
            bigKeys[op].map((big) => ({
              labels: { ...labels, op, key: big.key },
              value: big.bytes,
            })),
          )
        : [],
  ),
  family(
    'cache_entry_bytes',
    'histogram',
    'Size in Redis of the entries this process wrote.',
    ({ sizes }, labels) => sizes?.histogram(labels) ?? [],
  ),
];

type NodeValue = (node: RedisMemoryNode) => number;

const byNode = (value: NodeValue) => (memory: RedisMemoryStats, labels: MetricLabels) =>
  memory.nodes.map((node) => ({
    labels: node.node === undefined ? labels : { ...labels, node: node.node },
    value: value(node),
  }));

/** Only once Redis's memory was read (INFO answered at a stats flush). */
export const MEMORY_FAMILIES: readonly TableFamily<RedisMemoryStats>[] = [
  family(
    'redis_used_memory_bytes',
    'gauge',
    'used_memory from Redis INFO memory, by master on Cluster.',
    byNode((node) => node.usedMemory),
  ),
  family(
    'redis_maxmemory_bytes',
    'gauge',
    'maxmemory from Redis INFO memory (0: no limit), by master on Cluster.',
    byNode((node) => node.maxmemory),
  ),
  family(
    'redis_maxmemory_policy',
    'gauge',
    'maxmemory_policy from Redis INFO memory, as a policy label of value 1.',
    (memory, labels) =>
      memory.nodes.map((node) => ({
        labels: {
          ...labels,
          ...(node.node === undefined ? {} : { node: node.node }),
          policy: node.maxmemoryPolicy,
        },
        value: 1,
      })),
  ),
  family(
    'redis_evicted_keys_total',
    'counter',
    'evicted_keys from Redis INFO stats (whole server), by master on Cluster.',
    byNode((node) => node.evictedKeys),
  ),
  family(
    'redis_expired_keys_total',
    'counter',
    'expired_keys from Redis INFO stats (whole server), by master on Cluster.',
    byNode((node) => node.expiredKeys),
  ),
];
