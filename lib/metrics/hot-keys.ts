// The keys this process reads most, and the fleet's. A Space-Saving summary (Metwally et al. 2005;
// constant memory) counts one read in SAMPLE_MEAN_GAP at random gaps (a loop over fixed keys cannot
// line up with them), scaled back up; an unsampled read costs the bus one decrement and compare.
import type { CacheEvents } from '../events/cache-event-bus.js';
import { LuaScript } from '../redis/lua-script.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import { FrequencySketch } from '../tiers/frequency-sketch.js';

/** Keys tracked: the top 10 reported are exact about which keys are hot well before this fills. */
const CAPACITY = 128;
/** Keys the fleet summary tracks: well above what one instance sends per flush. */
const FLEET_CAPACITY = 256;
// A sampled read costs 100-200 ns (sketch hash, Map, heap): at this rate a few ns a read on
// average, under 2% of an L1 hit (BENCHMARKS.md).
const SAMPLE_MEAN_GAP = 32;
/** Keys reported by stats() and sent to the fleet summary at each flush. */
const HOT_KEYS_REPORTED = 10;
const SENT_PER_FLUSH = 32;

const merge = LuaScript.load('hot-keys-merge');

export interface HotKey {
  key: string;
  /** Estimated reads (hits + misses) since the process started or stats were reset. */
  reads: number;
  /** Hits / reads, over the reads counted while the key was tracked. */
  hitRatio: number;
}

/** One tracked key of a Space-Saving summary. */
class HeavyHitter {
  key = '';
  /** Reads counted for this key, including `error`: an upper bound of its true count. */
  count = 0;
  /** The count this key inherited when it took the counter over: the most it may be overcounted. */
  error = 0;
  /** Hits among the reads this counter saw itself (count - error): the inherited count does not distort the ratio. */
  hits = 0;
  /** Reads and hits since the last drain (for the fleet summary). */
  unsentReads = 0;
  unsentHits = 0;
  /** Its place in the summary's heap. */
  at = 0;
  /** The key's hash in the admission sketch. */
  hash = 0;
}

// A key without a counter takes the smallest over from its count (kept as `error`): any key read
// over total / CAPACITY times holds one, never undercounted. A min-heap keeps the smallest at hand
// (no scan per read); counters are allocated once.
export class HotKeys {
  private readonly byKey = new Map<string, HeavyHitter>();
  private readonly heap: HeavyHitter[] = [];
  // TinyLFU admission (as the L1): a newcomer takes a counter only if read more often lately, so
  // equally read keys do not swap counters on every read. 8 × CAPACITY: 8 KiB.
  private readonly sketch = new FrequencySketch(8 * CAPACITY);
  /** xorshift32 state: the sampling gaps (deterministic, so a run can be reproduced). */
  private seed = 0x9e3779b9 | 0;

  /** `fleetKey`: the hash of the fleet's summary. */
  constructor(
    events: CacheEvents,
    private readonly connection: RedisConnection,
    private readonly fleetKey: string,
  ) {
    events.sampleLookups((key, hit) => this.sampled(key, hit));
  }

  top(): HotKey[] {
    return hottest(this.heap, HOT_KEYS_REPORTED).map(toHotKey);
  }

  // The fleet's hottest keys: one Redis hash, a Space-Saving summary merged by a Lua script (never
  // past FLEET_CAPACITY), written at the stats flush, never per lookup; read with one HGETALL.
  async fleetTop(): Promise<HotKey[]> {
    const hash = await this.connection.client.hgetall(this.fleetKey);
    const counters: HeavyHitter[] = [];
    for (const [key, value] of Object.entries(hash)) {
      const [reads, hits, error] = value.split(':').map(Number);
      if (![reads, hits, error].every(Number.isFinite)) continue; // written by a newer version
      counters.push(Object.assign(new HeavyHitter(), { key, count: reads, hits, error }));
    }
    return hottest(counters, HOT_KEYS_REPORTED).map(toHotKey);
  }

  reset(): void {
    this.byKey.clear();
    this.heap.length = 0;
  }

  /** Counts a sampled read; returns the gap to the next sampled one. */
  private sampled(key: string, hit: boolean): number {
    this.offer(key, hit, SAMPLE_MEAN_GAP);
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x;
    // 1 + two 5-bit draws: gaps of 1 to 63 reads, 32 on average, with integer operations only.
    return 1 + (x & 31) + ((x >>> 5) & 31);
  }

  /** Counts one read of `key`, weighted by `weight` (the sampling rate). */
  private offer(key: string, hit: boolean, weight: number): void {
    let counter = this.byKey.get(key);
    const sketch = this.sketch;
    if (counter === undefined) {
      const hash = sketch.hash(key);
      sketch.add(hash, 1);
      if (this.heap.length < CAPACITY) {
        counter = new HeavyHitter();
        this.heap.push(counter);
        this.moveUp(this.heap.length - 1, counter);
      } else {
        counter = this.heap[0];
        if (sketch.frequencyOf(hash) <= sketch.frequencyOf(counter.hash)) return;
        this.byKey.delete(counter.key);
      }
      counter.hash = hash;
      counter.key = key;
      counter.error = counter.count;
      counter.hits = counter.unsentReads = counter.unsentHits = 0;
      this.byKey.set(key, counter);
    } else {
      sketch.add(counter.hash, 1);
    }
    counter.count += weight;
    counter.unsentReads += weight;
    if (hit) {
      counter.hits += weight;
      counter.unsentHits += weight;
    }
    this.moveDown(counter);
  }

  // The hottest keys' reads since the last flush go to the fleet summary; kept for the next flush
  // when Redis cannot take them. Never rejects.
  async flush(): Promise<void> {
    const sent = hottest(this.heap, SENT_PER_FLUSH).filter((counter) => counter.unsentReads > 0);
    const deltas = sent.map((c): [string, number, number] => [c.key, c.unsentReads, c.unsentHits]);
    const { client, health } = this.connection;
    if (deltas.length === 0 || !health.usable()) return;
    for (const counter of sent) counter.unsentReads = counter.unsentHits = 0;
    try {
      await merge.run(client, [this.fleetKey], [FLEET_CAPACITY, ...deltas.flat()]);
    } catch {
      // Outages are the connection's to report; put back the reads of keys still tracked.
      for (const [key, reads, hits] of deltas) {
        const counter = this.byKey.get(key);
        if (counter === undefined) continue;
        counter.unsentReads += reads;
        counter.unsentHits += hits;
      }
    }
  }

  private moveUp(at: number, counter: HeavyHitter): void {
    const heap = this.heap;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (heap[parent].count <= counter.count) break;
      this.place(heap[parent], at);
      at = parent;
    }
    this.place(counter, at);
  }

  /** After a count grew: sinks the counter below any smaller child (a few steps, usually none). */
  private moveDown(counter: HeavyHitter): void {
    const heap = this.heap;
    let at = counter.at;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right].count < heap[left].count ? right : left;
      if (heap[child].count >= counter.count) break;
      this.place(heap[child], at);
      at = child;
    }
    this.place(counter, at);
  }

  private place(counter: HeavyHitter, at: number): void {
    this.heap[at] = counter;
    counter.at = at;
  }
}

/** The `n` largest counters, largest first (ties by key, so the order is stable). */
function hottest(counters: readonly HeavyHitter[], n: number): HeavyHitter[] {
  return [...counters]
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, n);
}

function toHotKey({ key, count, error, hits }: HeavyHitter): HotKey {
  const seen = count - error;
  return { key, reads: count, hitRatio: seen === 0 ? 0 : hits / seen };
}
