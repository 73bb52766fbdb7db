// The heavy hitters of a stream of keys in constant memory: the Space-Saving algorithm (Metwally,
// Agrawal, El Abbadi, 2005). `capacity` counters; a key without one takes the smallest counter
// over and starts from its count (kept as the key's possible overcount, `error`), so any key read
// more than total / capacity times is sure to hold a counter, and a count is never an undercount.
// (With an admission sketch, see the constructor, a key may be turned away instead.)
// Each counter also tallies hits among the reads it saw itself, for a hit ratio that the inherited
// count does not distort. The counters sit in a min-heap on their counts, so the smallest is at
// hand when a new key comes (a read of many distinct keys would otherwise scan every counter each
// time). The counters are allocated once; a read allocates nothing but the Map's entry of a key
// that takes a counter over.
import type { FrequencySketch } from '../tiers/frequency-sketch.js';

/** One tracked key. */
export class HeavyHitter {
  key = '';
  /** Reads counted for this key, including `error`: an upper bound of its true count. */
  count = 0;
  /** The count this key inherited when it took the counter over: the most it may be overcounted. */
  error = 0;
  /** Hits among the reads this counter saw (count - error of them). */
  hits = 0;
  /** Reads and hits since the last drain (for the fleet totals). */
  unsentReads = 0;
  unsentHits = 0;
  /** Its place in the summary's heap. */
  at = 0;
  /** The key's hash in the admission sketch. */
  hash = 0;
}

export class SpaceSaving {
  private readonly byKey = new Map<string, HeavyHitter>();
  /** A min-heap on count: the counter a new key takes over is at the root, found in O(1). */
  private readonly heap: HeavyHitter[] = [];

  /**
   * @param sketch when given, a key without a counter takes the smallest over only if it was read
   *   more often lately than that counter's key (TinyLFU's admission, as the L1 does): when many
   *   keys are read about equally, counters stop changing hands on every read.
   */
  constructor(
    readonly capacity: number,
    private readonly sketch?: FrequencySketch,
  ) {}

  /** Counts one read of `key`, weighted by `weight` (the sampling rate). */
  offer(key: string, hit: boolean, weight = 1): void {
    let counter = this.byKey.get(key);
    const sketch = this.sketch;
    if (counter === undefined) {
      const hash = sketch === undefined ? 0 : sketch.hash(key);
      sketch?.add(hash, 1);
      if (this.heap.length < this.capacity) {
        counter = new HeavyHitter();
        this.heap.push(counter);
        this.moveUp(this.heap.length - 1, counter);
      } else {
        counter = this.heap[0];
        if (sketch !== undefined && sketch.frequencyOf(hash) <= sketch.frequencyOf(counter.hash))
          return;
        this.byKey.delete(counter.key);
      }
      counter.hash = hash;
      counter.key = key;
      counter.error = counter.count;
      counter.hits = 0;
      counter.unsentReads = counter.unsentHits = 0;
      this.byKey.set(key, counter);
    } else {
      sketch?.add(counter.hash, 1);
    }
    counter.count += weight;
    counter.unsentReads += weight;
    if (hit) {
      counter.hits += weight;
      counter.unsentHits += weight;
    }
    this.moveDown(counter);
  }

  /** The `n` largest counters, largest first (ties by key, so the order is stable). */
  top(n: number): HeavyHitter[] {
    return [...this.heap]
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, n);
  }

  clear(): void {
    this.byKey.clear();
    this.heap.length = 0;
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
