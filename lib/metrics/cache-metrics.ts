// The metric families of the cache: hits and misses by HTTP handler and by decorated method, the
// hit ratio, and Redis's own keyspace hit ratio (INFO stats) when Redis answers INFO.
import type { HitMissCounts } from './cache-stats.js';
import { counter, family, gauge, type ReadSamples, type TableFamily } from './prometheus-text.js';
import type { RedisKeyspaceStats } from './redis-memory-stats.js';

/** The handler label of lookups made outside any request CacheStatsInterceptor saw. */
const NO_HANDLER = '';

export interface CacheMetricsInput extends HitMissCounts {
  handlers: Record<string, HitMissCounts>;
  methods: Record<string, HitMissCounts>;
}

type Count = (counts: HitMissCounts) => number;

// Lookups outside any tallied request get the NO_HANDLER label, so the family sums to the total.
const byHandler =
  (count: Count): ReadSamples<CacheMetricsInput> =>
  (stats, labels) => {
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
  (count: Count): ReadSamples<CacheMetricsInput> =>
  (stats, labels) =>
    Object.entries(stats.methods).map(([method, counts]) => ({
      labels: { ...labels, method },
      value: count(counts),
    }));

export const CACHE_FAMILIES: readonly TableFamily<CacheMetricsInput>[] = [
  family(
    'cache_hits_total',
    'counter',
    'Cache hits, by HTTP handler ("" outside requests).',
    byHandler((c) => c.hits),
  ),
  family(
    'cache_misses_total',
    'counter',
    'Cache misses, by HTTP handler ("" outside requests).',
    byHandler((c) => c.misses),
  ),
  family(
    'cache_method_hits_total',
    'counter',
    'Cache hits of decorated methods, by method.',
    byMethod((c) => c.hits),
  ),
  family(
    'cache_method_misses_total',
    'counter',
    'Cache misses of decorated methods, by method.',
    byMethod((c) => c.misses),
  ),
  gauge(
    'cache_hit_ratio',
    'Hits / (hits + misses) of this cache; 0 before any lookup.',
    (stats) => stats.hitRatio,
  ),
];

/** Only when Redis answers INFO. */
export const KEYSPACE_FAMILIES: readonly TableFamily<RedisKeyspaceStats>[] = [
  counter(
    'redis_keyspace_hits_total',
    'keyspace_hits from Redis INFO stats (whole server).',
    (redis) => redis.keyspaceHits,
  ),
  counter(
    'redis_keyspace_misses_total',
    'keyspace_misses from Redis INFO stats (whole server).',
    (redis) => redis.keyspaceMisses,
  ),
  gauge(
    'redis_keyspace_hit_ratio',
    'keyspace_hits / (keyspace_hits + keyspace_misses) from Redis INFO stats.',
    ({ keyspaceHits, keyspaceMisses }) => {
      const total = keyspaceHits + keyspaceMisses;
      return total === 0 ? 0 : keyspaceHits / total;
    },
  ),
];
