// The metric families of the write strategies: queue gauges from the last sample of Redis, this
// process' counters, and two histograms (persist duration, end-to-end lag) in seconds, as
// Prometheus conventions want.
import {
  LATENCY_BUCKETS_MS,
  type LatencySnapshot,
  type WriteBehindStatsSnapshot,
} from '../write/write-behind-stats.js';
import { family, one, readTable, type ReadSamples, type TableFamily } from './prometheus-text.js';
import { histogramSamples, type MetricFamily, type MetricFamilyInfo } from './prometheus-text.js';

type Read = ReadSamples<WriteBehindStatsSnapshot>;

const seconds =
  (latency: (stats: WriteBehindStatsSnapshot) => LatencySnapshot): Read =>
  (stats, labels) => {
    const { buckets, count, sumMs } = latency(stats);
    const bounds = LATENCY_BUCKETS_MS.map((ms) => ms / 1000);
    return histogramSamples(labels, bounds, buckets, count, sumMs / 1000);
  };

const FAMILIES: readonly TableFamily<WriteBehindStatsSnapshot>[] = [
  family(
    'cache_write_behind_queue_depth',
    'gauge',
    'Write-behind jobs not persisted yet (all instances).',
    one((s) => s.queue.depth),
  ),
  family(
    'cache_write_behind_pending',
    'gauge',
    'Write-behind jobs delivered to a worker and not acknowledged yet (all instances).',
    one((s) => s.queue.pending),
  ),
  family(
    'cache_write_behind_delayed',
    'gauge',
    'Keys waiting for a write-behind retry (all instances).',
    one((s) => s.queue.delayed),
  ),
  family(
    'cache_write_behind_dead_letters',
    'gauge',
    'Jobs in the write-behind dead-letter stream (all instances).',
    one((s) => s.queue.deadLetters),
  ),
  family(
    'cache_write_behind_in_flight',
    'gauge',
    'Persister calls running in this process.',
    one((s) => s.inFlight),
  ),
  family(
    'cache_write_behind_enqueued_total',
    'counter',
    'Writes queued by this process.',
    one((s) => s.enqueued),
  ),
  family(
    'cache_write_behind_not_durable_total',
    'counter',
    'Writes queued that fewer replicas than writeBehind.durability.replicas confirmed in time.',
    one((s) => s.notDurable),
  ),
  family(
    'cache_write_behind_coalesced_total',
    'counter',
    'Writes merged into a queued job (persister calls saved).',
    one((s) => s.coalesced),
  ),
  family(
    'cache_write_behind_persisted_total',
    'counter',
    'Jobs persisted by this process.',
    one((s) => s.persisted),
  ),
  family(
    'cache_write_behind_retries_total',
    'counter',
    'Failed persister calls scheduled for a retry.',
    one((s) => s.retries),
  ),
  family(
    'cache_write_behind_dead_lettered_total',
    'counter',
    'Jobs this process moved to the dead-letter stream.',
    one((s) => s.deadLettered),
  ),
  family(
    'cache_write_behind_fallbacks_total',
    'counter',
    'Writes persisted synchronously because Redis was unreachable.',
    one((s) => s.fallbacks),
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

/** Every family writeBehindFamilies() returns. */
export const WRITE_BEHIND_FAMILIES: readonly MetricFamilyInfo[] = FAMILIES;

export function writeBehindFamilies(
  stats: WriteBehindStatsSnapshot,
  namespace: string,
): MetricFamily[] {
  return readTable(FAMILIES, stats, { namespace });
}
