// The write strategies' series in the Prometheus text format (appended to `cache.metrics()`):
// queue gauges from the last sample of Redis, this process' counters, and two histograms
// (persist duration, end-to-end lag) in seconds, as Prometheus conventions want.
import {
  LATENCY_BUCKETS_MS,
  type LatencySnapshot,
  type WriteBehindStatsSnapshot,
} from './write-behind-stats.js';

type Labels = Record<string, string>;

export function renderWriteBehindPrometheus(
  stats: WriteBehindStatsSnapshot,
  namespace: string,
): string {
  const ns = { namespace };
  const { queue } = stats;
  let text = '';
  text += gauge(
    'cache_write_behind_queue_depth',
    'Write-behind jobs not persisted yet (all instances).',
    ns,
    queue.depth,
  );
  text += gauge(
    'cache_write_behind_pending',
    'Write-behind jobs delivered to a worker and not acknowledged yet (all instances).',
    ns,
    queue.pending,
  );
  text += gauge(
    'cache_write_behind_delayed',
    'Keys waiting for a write-behind retry (all instances).',
    ns,
    queue.delayed,
  );
  text += gauge(
    'cache_write_behind_dead_letters',
    'Jobs in the write-behind dead-letter stream (all instances).',
    ns,
    queue.deadLetters,
  );
  text += gauge(
    'cache_write_behind_in_flight',
    'Persister calls running in this process.',
    ns,
    stats.inFlight,
  );
  text += counter(
    'cache_write_behind_enqueued_total',
    'Writes queued by this process.',
    ns,
    stats.enqueued,
  );
  text += counter(
    'cache_write_behind_not_durable_total',
    'Writes queued that fewer replicas than writeBehind.durability.replicas confirmed in time.',
    ns,
    stats.notDurable,
  );
  text += counter(
    'cache_write_behind_coalesced_total',
    'Writes merged into a queued job (persister calls saved).',
    ns,
    stats.coalesced,
  );
  text += counter(
    'cache_write_behind_persisted_total',
    'Jobs persisted by this process.',
    ns,
    stats.persisted,
  );
  text += counter(
    'cache_write_behind_retries_total',
    'Failed persister calls scheduled for a retry.',
    ns,
    stats.retries,
  );
  text += counter(
    'cache_write_behind_dead_lettered_total',
    'Jobs this process moved to the dead-letter stream.',
    ns,
    stats.deadLettered,
  );
  text += counter(
    'cache_write_behind_fallbacks_total',
    'Writes persisted synchronously because Redis was unreachable.',
    ns,
    stats.fallbacks,
  );
  text += `# HELP cache_write_through_total Write-through persister calls, by outcome.\n# TYPE cache_write_through_total counter\n`;
  text += `cache_write_through_total${labels({ ...ns, outcome: 'succeeded' })} ${stats.writeThrough.succeeded}\n`;
  text += `cache_write_through_total${labels({ ...ns, outcome: 'failed' })} ${stats.writeThrough.failed}\n`;
  text += histogram(
    'cache_write_behind_persist_duration_seconds',
    'Time one write-behind persister call took.',
    ns,
    stats.persistLatency,
  );
  text += histogram(
    'cache_write_behind_lag_seconds',
    'From enqueue to persisted acknowledgement of a write-behind job.',
    ns,
    stats.lag,
  );
  return text;
}

function gauge(name: string, help: string, l: Labels, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name}${labels(l)} ${value}\n`;
}

function counter(name: string, help: string, l: Labels, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} counter\n${name}${labels(l)} ${value}\n`;
}

function histogram(name: string, help: string, l: Labels, latency: LatencySnapshot): string {
  let text = `# HELP ${name} ${help}\n# TYPE ${name} histogram\n`;
  LATENCY_BUCKETS_MS.forEach((bound, i) => {
    text += `${name}_bucket${labels({ ...l, le: String(bound / 1000) })} ${latency.buckets[i]}\n`;
  });
  text += `${name}_bucket${labels({ ...l, le: '+Inf' })} ${latency.count}\n`;
  text += `${name}_sum${labels(l)} ${latency.sumMs / 1000}\n`;
  text += `${name}_count${labels(l)} ${latency.count}\n`;
  return text;
}

function labels(l: Labels): string {
  const pairs = Object.entries(l).map(
    ([name, value]) =>
      `${name}="${value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`,
  );
  return `{${pairs.join(',')}}`;
}
