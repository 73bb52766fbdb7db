// Counters of the write strategies in this process, plus the last sample of the queue's state in
// Redis (depth, pending, delayed, dead letters: shared by every instance). Plain increments on
// the hot path; latencies go into fixed buckets, so a Prometheus histogram can be rendered as is.

/** Upper bounds (ms) of the latency buckets. */
export const LATENCY_BUCKETS_MS = [
  1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000,
] as const;

export interface LatencySnapshot {
  count: number;
  avgMs: number;
  maxMs: number;
  /** Total of all observations, ms (Prometheus `_sum`). */
  sumMs: number;
  /** Cumulative counts per upper bound in LATENCY_BUCKETS_MS (Prometheus `_bucket`). */
  buckets: number[];
}

/** The queue as Redis saw it at `sampledAt` (all instances together). */
export interface WriteBehindQueueSample {
  /** Jobs not persisted yet (queued, running, or waiting for a retry). */
  depth: number;
  /** Notifications delivered to a worker and not acknowledged yet. */
  pending: number;
  /** Keys waiting for a retry after a failure. */
  delayed: number;
  /** Jobs in the dead-letter stream. */
  deadLetters: number;
  /** When this sample was taken; `null` before the first one. */
  sampledAt: Date | null;
}

export interface WriteBehindStatsSnapshot {
  /** Whether this instance runs a worker (`writeBehind.worker` on and a writer registered). */
  worker: boolean;
  /** Persister calls running in this process now. */
  inFlight: number;
  /** Writes this process queued (merged ones included). */
  enqueued: number;
  /** Of those, writes merged into a job already queued (persister calls saved). */
  coalesced: number;
  /** Jobs this process persisted. */
  persisted: number;
  /** Failed persister calls that were scheduled for a retry. */
  retries: number;
  /** Jobs this process moved to the dead-letter stream. */
  deadLettered: number;
  /** Writes persisted synchronously because Redis was unreachable when they were made. */
  fallbacks: number;
  /** Results dropped because another worker had taken the job over (it runs it again). */
  takenOver: number;
  /** Writes queued that fewer replicas than `durability.replicas` confirmed in time. */
  notDurable: number;
  /** Write-through calls whose persister succeeded / threw. */
  writeThrough: { succeeded: number; failed: number };
  /** Time one persister call took. */
  persistLatency: LatencySnapshot;
  /** From the (oldest) enqueue of a job to its persisted acknowledgement, by Redis' clock. */
  lag: LatencySnapshot;
  queue: WriteBehindQueueSample;
}

class LatencyHistogram {
  private count = 0;
  private sum = 0;
  private max = 0;
  private readonly counts = new Array<number>(LATENCY_BUCKETS_MS.length).fill(0);

  observe(ms: number): void {
    const value = Math.max(0, ms);
    this.count++;
    this.sum += value;
    if (value > this.max) this.max = value;
    const index = LATENCY_BUCKETS_MS.findIndex((bound) => value <= bound);
    if (index >= 0) this.counts[index]++;
  }

  snapshot(): LatencySnapshot {
    let cumulative = 0;
    return {
      count: this.count,
      avgMs: this.count === 0 ? 0 : this.sum / this.count,
      maxMs: this.max,
      sumMs: this.sum,
      buckets: this.counts.map((n) => (cumulative += n)),
    };
  }
}

/** The counters behind WriteBehindStatsSnapshot, under the same names. */
export class WriteBehindStats {
  /** Set by the worker while it runs. */
  worker = false;
  inFlight = 0;
  enqueued = 0;
  coalesced = 0;
  persisted = 0;
  retries = 0;
  deadLettered = 0;
  fallbacks = 0;
  takenOver = 0;
  notDurable = 0;
  readonly writeThrough = { succeeded: 0, failed: 0 };
  readonly persistLatency = new LatencyHistogram();
  readonly lag = new LatencyHistogram();
  queue: WriteBehindQueueSample = {
    depth: 0,
    pending: 0,
    delayed: 0,
    deadLetters: 0,
    sampledAt: null,
  };

  /** Runs one persister call, counted in inFlight and, when it resolves, in persistLatency. */
  async persist(call: () => unknown): Promise<void> {
    const started = performance.now();
    this.inFlight++;
    try {
      await call();
    } finally {
      this.inFlight--;
    }
    this.persistLatency.observe(performance.now() - started);
  }

  snapshot(): WriteBehindStatsSnapshot {
    return {
      ...this,
      writeThrough: { ...this.writeThrough },
      persistLatency: this.persistLatency.snapshot(),
      lag: this.lag.snapshot(),
      queue: { ...this.queue },
    };
  }
}
