// The keys this process reads most, with their hit ratios: a Space-Saving summary (constant
// memory) over a sample of the hits and misses the lookups announce. About one read in
// SAMPLE_MEAN_GAP is counted, after a random gap (so a loop over a fixed set of keys cannot line
// up with the sampling), and counts are scaled back up: a read that is not sampled costs the event
// bus one decrement and one comparison, and no call here. The reads counted since the last flush go to the fleet-wide
// summary in Redis (fleet-hot-keys.ts).
import type { CacheEvents } from '../events/cache-event-bus.js';
import { FrequencySketch } from '../tiers/frequency-sketch.js';
import { SpaceSaving, type HeavyHitter } from './space-saving.js';

/** Keys tracked: the top 10 reported are exact about which keys are hot well before this fills. */
const CAPACITY = 128;
/**
 * Mean number of reads between two sampled ones (gaps of 1 to 63, drawn at random): a sampled read
 * costs 100-200 ns (hashing the key for the admission sketch, the summary's Map and heap), a few
 * ns a read on average at this rate: under 2% of an L1 hit (BENCHMARKS.md).
 */
const SAMPLE_MEAN_GAP = 32;
/** Keys reported by stats() and sent to the fleet summary at each flush. */
export const HOT_KEYS_REPORTED = 10;
const SENT_PER_FLUSH = 32;

export interface HotKey {
  key: string;
  /** Estimated reads (hits + misses) since the process started or stats were reset. */
  reads: number;
  /** Hits / reads, over the reads counted while the key was tracked. */
  hitRatio: number;
}

/** Reads of one key since the last flush, for the fleet summary. */
export interface HotKeyDelta {
  key: string;
  reads: number;
  hits: number;
}

export class HotKeys {
  /** The sketch tells newcomers from the tracked keys (sized as an L1 of 8 × CAPACITY: 8 KiB). */
  private readonly summary = new SpaceSaving(CAPACITY, new FrequencySketch(8 * CAPACITY));
  /** xorshift32 state: the sampling gaps (deterministic, so a run can be reproduced). */
  private seed = 0x9e3779b9 | 0;

  constructor(events: CacheEvents) {
    events.sampleLookups((key, hit) => this.sampled(key, hit));
  }

  /** The hottest keys, hottest first. */
  top(n = HOT_KEYS_REPORTED): HotKey[] {
    return this.summary.top(n).map(toHotKey);
  }

  reset(): void {
    this.summary.clear();
  }

  /** Takes the reads counted since the previous drain, for the hottest keys (fleet summary). */
  drainUnsent(): HotKeyDelta[] {
    const deltas: HotKeyDelta[] = [];
    for (const counter of this.summary.top(SENT_PER_FLUSH)) {
      if (counter.unsentReads === 0) continue;
      deltas.push({ key: counter.key, reads: counter.unsentReads, hits: counter.unsentHits });
      counter.unsentReads = counter.unsentHits = 0;
    }
    return deltas;
  }

  /** Puts back reads a drain took but could not send (for keys still tracked). */
  restoreUnsent(deltas: readonly HotKeyDelta[]): void {
    const tracked = new Map(this.summary.top(CAPACITY).map((counter) => [counter.key, counter]));
    for (const { key, reads, hits } of deltas) {
      const counter = tracked.get(key);
      if (!counter) continue;
      counter.unsentReads += reads;
      counter.unsentHits += hits;
    }
  }

  /** Counts a sampled read; returns the gap to the next sampled one. */
  private sampled(key: string, hit: boolean): number {
    this.summary.offer(key, hit, SAMPLE_MEAN_GAP);
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x;
    // 1 + two 5-bit draws: gaps of 1 to 63 reads, 32 on average, with integer operations only.
    return 1 + (x & 31) + ((x >>> 5) & 31);
  }
}

export function toHotKey({ key, count, error, hits }: HeavyHitter): HotKey {
  const seen = count - error;
  return { key, reads: count, hitRatio: seen === 0 ? 0 : hits / seen };
}
