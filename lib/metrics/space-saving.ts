// The heavy hitters of a stream of keys in constant memory: the Space-Saving algorithm (Metwally,
// Agrawal, El Abbadi, 2005). `capacity` counters; a key without one takes the smallest counter
// over and starts from its count (kept as the key's possible overcount, `error`), so any key read
// more than total / capacity times is sure to hold a counter, and a count is never an undercount.
// Each counter also tallies hits among the reads it saw itself, for a hit ratio that the inherited
// count does not distort. The counters are allocated once; a read allocates nothing but the Map's
// entry of a key that takes a counter over.

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
}

export class SpaceSaving {
  private readonly byKey = new Map<string, HeavyHitter>();
  private readonly counters: HeavyHitter[] = [];

  constructor(readonly capacity: number) {}

  /** Counts one read of `key`, weighted by `weight` (the sampling rate). */
  offer(key: string, hit: boolean, weight = 1): void {
    let counter = this.byKey.get(key);
    if (counter === undefined) {
      counter = this.counters.length < this.capacity ? this.newCounter() : this.smallest();
      if (counter.key !== '') this.byKey.delete(counter.key);
      counter.key = key;
      counter.error = counter.count;
      counter.hits = 0;
      counter.unsentReads = counter.unsentHits = 0;
      this.byKey.set(key, counter);
    }
    counter.count += weight;
    counter.unsentReads += weight;
    if (hit) {
      counter.hits += weight;
      counter.unsentHits += weight;
    }
  }

  /** The `n` largest counters, largest first (ties by key, so the order is stable). */
  top(n: number): HeavyHitter[] {
    return [...this.counters]
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, n);
  }

  clear(): void {
    this.byKey.clear();
    this.counters.length = 0;
  }

  private newCounter(): HeavyHitter {
    const counter = new HeavyHitter();
    this.counters.push(counter);
    return counter;
  }

  /** The counter with the smallest count: a scan, on a sampled read of an untracked key only. */
  private smallest(): HeavyHitter {
    const counters = this.counters;
    let smallest = counters[0];
    for (let i = 1; i < counters.length; i++)
      if (counters[i].count < smallest.count) smallest = counters[i];
    return smallest;
  }
}
