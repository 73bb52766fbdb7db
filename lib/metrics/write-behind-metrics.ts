// The metric families of the write strategies: queue gauges from the last sample of Redis, this
// process' counters, and two histograms (persist duration, end-to-end lag) in seconds, as
// Prometheus conventions want.
import {
  LATENCY_BUCKETS_MS,
  type LatencySnapshot,
  type WriteBehindStatsSnapshot,
} from '../write/write-behind-stats.js';
import {
  counter,
  family,
  gauge,
  histogramSamples,
  type ReadSamples,
  type TableFamily,
} from './prometheus-text.js';

type Read = ReadSamples<WriteBehindStatsSnapshot>;

const seconds =
  (latency: (stats: WriteBehindStatsSnapshot) => LatencySnapshot): Read =>
  (stats, labels) => {
    const { buckets, count, sumMs } = latency(stats);
    const bounds = LATENCY_BUCKETS_MS.map((ms) => ms / 1000);
    return histogramSamples(labels, bounds, buckets, count, sumMs / 1000);
  };

export const WRITE_BEHIND_FAMILIES: readonly TableFamily<WriteBehindStatsSnapshot>[] = [
  gauge(
    'cache_write_behind_queue_depth',
    'Write-behind jobs not persisted yet (all instances).',
    (s) => s.queue.depth,
  ),
  gauge(
    'cache_write_behind_pending',
    'Write-behind jobs delivered to a worker and not acknowledged yet (all instances).',
    (s) => s.queue.pending,
  ),
  gauge(
    'cache_write_behind_delayed',
    'Keys waiting for a write-behind retry (all instances).',
    (s) => s.queue.delayed,
  ),
  gauge(
    'cache_write_behind_dead_letters',
    'Jobs in the write-behind dead-letter stream (all instances).',
    (s) => s.queue.deadLetters,
  ),
  gauge(
    'cache_write_behind_in_flight',
    'Persister calls running in this process.',
    (s) => s.inFlight,
  ),
  counter('cache_write_behind_enqueued_total', 'Writes queued by this process.', (s) => s.enqueued),
  counter(
    'cache_write_behind_not_durable_total',
    'Writes queued that fewer replicas than writeBehind.durability.replicas confirmed in time.',
    (s) => s.notDurable,
  ),
  counter(
    'cache_write_behind_coalesced_total',
    'Writes merged into a queued job (persister calls saved).',
    (s) => s.coalesced,
  ),
  counter(
    'cache_write_behind_persisted_total',
    'Jobs persisted by this process.',
    (s) => s.persisted,
  ),
  counter(
    'cache_write_behind_retries_total',
    'Failed persister calls scheduled for a retry.',
    (s) => s.retries,
  ),
  counter(
    'cache_write_behind_dead_lettered_total',
    'Jobs this process moved to the dead-letter stream.',
    (s) => s.deadLettered,
  ),
  counter(
    'cache_write_behind_fallbacks_total',
    'Writes persisted synchronously because Redis was unreachable.',
    (s) => s.fallbacks,
  ),
  family(
    'cache_write_through_total',
    'counter',
    'Write-through persister calls, by outcome.',
    (s, labels) => [
      { labels: { ...labels, outcome: 'succeeded' }, value: s.writeThrough.succeeded },
      { labels: { ...labels, outcome: 'failed' }, value: s.writeThrough.failed },
    ],
  ),
  family(
    'cache_write_behind_persist_duration_seconds',
    'histogram',
    'Time one write-behind persister call took.',
    seconds((s) => s.persistLatency),
  ),
  family(
    'cache_write_behind_lag_seconds',
    'histogram',
    'From enqueue to persisted acknowledgement of a write-behind job.',
    seconds((s) => s.lag),
  ),
];
