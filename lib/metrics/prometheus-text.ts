// Renders the hit/miss counters in the Prometheus text exposition format (version 0.0.4, what
// prom-client serves): one HELP and TYPE line per family, label values escaped.
import type { HitMissCounts } from './cache-stats.js';
import type { RedisKeyspaceStats } from './redis-keyspace-stats.js';

/** The Content-Type of `metrics()` output, for the route that serves it. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The handler label of lookups made outside any request CacheStatsInterceptor saw. */
export const NO_HANDLER = '';

export interface PrometheusInput extends HitMissCounts {
  handlers: Record<string, HitMissCounts>;
  methods: Record<string, HitMissCounts>;
}

type Sample = [labels: Record<string, string>, value: number];

export function renderPrometheus(
  stats: PrometheusInput,
  namespace: string,
  redis: RedisKeyspaceStats | undefined,
): string {
  const ns = { namespace };
  const handlers = Object.entries(stats.handlers);
  // Lookups outside any tallied request get an empty handler label, so that each family sums
  // to the total.
  const outside = {
    hits: stats.hits - handlers.reduce((sum, [, c]) => sum + c.hits, 0),
    misses: stats.misses - handlers.reduce((sum, [, c]) => sum + c.misses, 0),
  };
  const byHandler = (pick: (c: { hits: number; misses: number }) => number): Sample[] => [
    ...handlers.map(([handler, counts]): Sample => [{ ...ns, handler }, pick(counts)]),
    ...(pick(outside) > 0 ? [[{ ...ns, handler: NO_HANDLER }, pick(outside)] as Sample] : []),
  ];
  const byMethod = (pick: (c: HitMissCounts) => number): Sample[] =>
    Object.entries(stats.methods).map(([method, counts]) => [{ ...ns, method }, pick(counts)]);

  let text = '';
  text += family(
    'cache_hits_total',
    'counter',
    'Cache hits, by HTTP handler ("" outside requests).',
    byHandler((c) => c.hits),
  );
  text += family(
    'cache_misses_total',
    'counter',
    'Cache misses, by HTTP handler ("" outside requests).',
    byHandler((c) => c.misses),
  );
  text += family(
    'cache_method_hits_total',
    'counter',
    'Cache hits of decorated methods, by method.',
    byMethod((c) => c.hits),
  );
  text += family(
    'cache_method_misses_total',
    'counter',
    'Cache misses of decorated methods, by method.',
    byMethod((c) => c.misses),
  );
  text += family(
    'cache_hit_ratio',
    'gauge',
    'Hits / (hits + misses) of this cache; 0 before any lookup.',
    [[ns, stats.hitRatio]],
  );
  if (redis) {
    const { keyspaceHits, keyspaceMisses } = redis;
    text += family(
      'redis_keyspace_hits_total',
      'counter',
      'keyspace_hits from Redis INFO stats (whole server).',
      [[ns, keyspaceHits]],
    );
    text += family(
      'redis_keyspace_misses_total',
      'counter',
      'keyspace_misses from Redis INFO stats (whole server).',
      [[ns, keyspaceMisses]],
    );
    const total = keyspaceHits + keyspaceMisses;
    text += family(
      'redis_keyspace_hit_ratio',
      'gauge',
      'keyspace_hits / (keyspace_hits + keyspace_misses) from Redis INFO stats.',
      [[ns, total === 0 ? 0 : keyspaceHits / total]],
    );
  }
  return text;
}

function family(name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]): string {
  let text = `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
  for (const [labels, value] of samples)
    text += `${name}${renderLabels(labels)} ${renderValue(value)}\n`;
  return text;
}

function renderLabels(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function renderValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
