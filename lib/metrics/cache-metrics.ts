// The metric families of the cache: hits and misses by HTTP handler and by decorated method, the
// hit ratio, and Redis's own keyspace hit ratio (INFO stats) when Redis answers INFO.
import type { HitMissCounts } from './cache-stats.js';
import type { MetricFamily, MetricFamilyInfo, MetricSample } from './prometheus-text.js';
import type { RedisKeyspaceStats } from './redis-keyspace-stats.js';

/** The handler label of lookups made outside any request CacheStatsInterceptor saw. */
export const NO_HANDLER = '';

export interface CacheMetricsInput extends HitMissCounts {
  handlers: Record<string, HitMissCounts>;
  methods: Record<string, HitMissCounts>;
}

const HITS: MetricFamilyInfo = {
  name: 'cache_hits_total',
  type: 'counter',
  help: 'Cache hits, by HTTP handler ("" outside requests).',
};
const MISSES: MetricFamilyInfo = {
  name: 'cache_misses_total',
  type: 'counter',
  help: 'Cache misses, by HTTP handler ("" outside requests).',
};
const METHOD_HITS: MetricFamilyInfo = {
  name: 'cache_method_hits_total',
  type: 'counter',
  help: 'Cache hits of decorated methods, by method.',
};
const METHOD_MISSES: MetricFamilyInfo = {
  name: 'cache_method_misses_total',
  type: 'counter',
  help: 'Cache misses of decorated methods, by method.',
};
const HIT_RATIO: MetricFamilyInfo = {
  name: 'cache_hit_ratio',
  type: 'gauge',
  help: 'Hits / (hits + misses) of this cache; 0 before any lookup.',
};
const KEYSPACE_HITS: MetricFamilyInfo = {
  name: 'redis_keyspace_hits_total',
  type: 'counter',
  help: 'keyspace_hits from Redis INFO stats (whole server).',
};
const KEYSPACE_MISSES: MetricFamilyInfo = {
  name: 'redis_keyspace_misses_total',
  type: 'counter',
  help: 'keyspace_misses from Redis INFO stats (whole server).',
};
const KEYSPACE_HIT_RATIO: MetricFamilyInfo = {
  name: 'redis_keyspace_hit_ratio',
  type: 'gauge',
  help: 'keyspace_hits / (keyspace_hits + keyspace_misses) from Redis INFO stats.',
};

/** Every family cacheFamilies() may return. */
export const CACHE_FAMILIES: readonly MetricFamilyInfo[] = [
  HITS,
  MISSES,
  METHOD_HITS,
  METHOD_MISSES,
  HIT_RATIO,
  KEYSPACE_HITS,
  KEYSPACE_MISSES,
  KEYSPACE_HIT_RATIO,
];

/** The cache's families; the Redis ones only when `redis` (INFO answered). */
export function cacheFamilies(
  stats: CacheMetricsInput,
  namespace: string,
  redis: RedisKeyspaceStats | undefined,
): MetricFamily[] {
  const ns = { namespace };
  const handlers = Object.entries(stats.handlers);
  // Lookups outside any tallied request get an empty handler label, so that each family sums
  // to the total.
  const outside = {
    hits: stats.hits - handlers.reduce((sum, [, c]) => sum + c.hits, 0),
    misses: stats.misses - handlers.reduce((sum, [, c]) => sum + c.misses, 0),
  };
  const byHandler = (pick: (c: { hits: number; misses: number }) => number): MetricSample[] => [
    ...handlers.map(([handler, counts]) => ({ labels: { ...ns, handler }, value: pick(counts) })),
    ...(pick(outside) > 0
      ? [{ labels: { ...ns, handler: NO_HANDLER }, value: pick(outside) }]
      : []),
  ];
  const byMethod = (pick: (c: HitMissCounts) => number): MetricSample[] =>
    Object.entries(stats.methods).map(([method, counts]) => ({
      labels: { ...ns, method },
      value: pick(counts),
    }));
  const one = (value: number): MetricSample[] => [{ labels: ns, value }];

  const families: MetricFamily[] = [
    { ...HITS, samples: byHandler((c) => c.hits) },
    { ...MISSES, samples: byHandler((c) => c.misses) },
    { ...METHOD_HITS, samples: byMethod((c) => c.hits) },
    { ...METHOD_MISSES, samples: byMethod((c) => c.misses) },
    { ...HIT_RATIO, samples: one(stats.hitRatio) },
  ];
  if (redis) {
    const { keyspaceHits, keyspaceMisses } = redis;
    const total = keyspaceHits + keyspaceMisses;
    families.push(
      { ...KEYSPACE_HITS, samples: one(keyspaceHits) },
      { ...KEYSPACE_MISSES, samples: one(keyspaceMisses) },
      { ...KEYSPACE_HIT_RATIO, samples: one(total === 0 ? 0 : keyspaceHits / total) },
    );
  }
  return families;
}
