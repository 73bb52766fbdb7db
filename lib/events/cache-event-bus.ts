// The in-process channel of cache events: synchronous, typed, not an EventEmitter (a hit must not
// pay for an arguments array, a `this` lookup or a listener copy). Own counters get the fields they
// read; the event object is built only when someone else listens.
import type { CacheLogger } from './cache-logger.js';
import {
  cacheEvents,
  type CacheEvent,
  type CacheEventData,
  type CacheEventListener,
  type CacheEventName,
  type CacheLayer,
} from './cache-events.js';

type AnyListener = (data: CacheEventData<CacheEventName>) => void;

type Count = (method: string | undefined) => void;

/**
 * A built-in lookup counter, told without an event object; each kind it leaves out costs nothing.
 * @internal
 */
export interface LookupTally {
  /** Every hit, stale ones included. */
  hit?: Count;
  /** Hits served past their TTL (also told to `hit`). */
  staleHit?: Count;
  miss?: Count;
}

/** A built-in counter of entry sizes (big keys). @internal */
export interface EntrySizeTally {
  /** An entry encoded for a write: its size in Redis and before compression. */
  written(key: string, bytes: number, plainBytes: number, method: string | undefined): void;
  /** An entry read from Redis, as stored. */
  read(key: string, raw: Buffer): void;
}

export class CacheEvents {
  constructor(private readonly logger: CacheLogger) {}

  private readonly listeners = new Map<CacheEventName, AnyListener[]>();
  // One array per kind, so a hit calls only the counters that count hits (one call site each).
  private hitCounts: readonly Count[] = [];
  private staleHitCounts: readonly Count[] = [];
  private missCounts: readonly Count[] = [];
  private sizeTallies: readonly EntrySizeTally[] = [];
  /** Told of one lookup in every few (hot keys); returns how many lookups to skip until the next. */
  private sampler?: (key: string, hit: boolean) => number;
  /** Lookups left until the sampler's next one: a read that is not sampled costs a decrement. */
  private sampleIn = 1;
  /** Whether a listener of `on` wants hit (miss) events: only then is the event object built. */
  private hitListened = false;
  private missListened = false;

  /** Calls `listener` with the data of every `name` event from now on; returns the unsubscriber. */
  on<N extends CacheEventName>(name: N, listener: CacheEventListener<N>): () => void {
    const wrapped = listener as AnyListener;
    // A new array each time: an emit in progress keeps iterating the one it started with.
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), wrapped]);
    this.noteListened();
    return () => {
      const left = (this.listeners.get(name) ?? []).filter((l) => l !== wrapped);
      if (left.length > 0) this.listeners.set(name, left);
      else this.listeners.delete(name);
      this.noteListened();
    };
  }

  /**
   * @internal Counts every hit and miss from now on, before the `cache:hit`/`cache:miss`
   * listeners and without an event object: for the library's own counters, which do not throw.
   */
  tally({ hit, staleHit, miss }: LookupTally): void {
    if (hit) this.hitCounts = [...this.hitCounts, hit];
    if (staleHit) this.staleHitCounts = [...this.staleHitCounts, staleHit];
    if (miss) this.missCounts = [...this.missCounts, miss];
  }

  /**
   * @internal Tells `sampler` of one hit or miss (with its key) now and then: it returns how many
   * lookups pass before the next one it is told of (at least 1). One sampler per bus.
   */
  sampleLookups(sampler: (key: string, hit: boolean) => number): void {
    this.sampler = sampler;
    this.sampleIn = 1;
  }

  /** @internal Tells `tally` of every entry written and read from now on. */
  tallySizes(tally: EntrySizeTally): void {
    this.sizeTallies = [...this.sizeTallies, tally];
  }

  /** @internal An entry encoded for a write (entry-encoder.ts). */
  entryWritten(key: string, bytes: number, plainBytes: number, method?: string): void {
    const tallies = this.sizeTallies;
    for (let i = 0; i < tallies.length; i++) tallies[i].written(key, bytes, plainBytes, method);
  }

  /** @internal An entry read from Redis, before it is decoded (entry-reader.ts). */
  entryRead(key: string, raw: Buffer): void {
    const tallies = this.sizeTallies;
    for (let i = 0; i < tallies.length; i++) tallies[i].read(key, raw);
  }

  emit(event: CacheEvent): void {
    // Hits and misses announced from outside are counted as the library's own are.
    if (event.name === 'cache:hit')
      this.countHit(event.data.method, event.data.stale, event.data.key);
    else if (event.name === 'cache:miss') this.countMiss(event.data.method, event.data.key);
    this.dispatch(event);
  }

  /** @internal Announces a hit: the tallies, then `cache:hit` when someone listens. */
  hit(key: string, layer: CacheLayer, method: string | undefined, stale: boolean): void {
    this.countHit(method, stale, key);
    if (this.hitListened) this.dispatch(cacheEvents.hit(key, layer, method, stale));
  }

  /** @internal Announces a miss: the tallies, then `cache:miss` when someone listens. */
  miss(key: string, method: string | undefined): void {
    this.countMiss(method, key);
    if (this.missListened) this.dispatch(cacheEvents.miss(key, method));
  }

  private countHit(method: string | undefined, stale: boolean, key: string): void {
    if (--this.sampleIn === 0) this.sampleIn = this.sampler?.(key, true) ?? 0x7fffffff;
    const counts = this.hitCounts;
    for (let i = 0; i < counts.length; i++) counts[i](method);
    if (!stale) return;
    const staleCounts = this.staleHitCounts;
    for (let i = 0; i < staleCounts.length; i++) staleCounts[i](method);
  }

  private countMiss(method: string | undefined, key: string): void {
    if (--this.sampleIn === 0) this.sampleIn = this.sampler?.(key, false) ?? 0x7fffffff;
    const counts = this.missCounts;
    for (let i = 0; i < counts.length; i++) counts[i](method);
  }

  private dispatch(event: CacheEvent): void {
    const listeners = this.listeners.get(event.name);
    if (listeners === undefined) return;
    for (let i = 0; i < listeners.length; i++) {
      // A listener's bug must not fail the lookup that announced the event.
      try {
        listeners[i](event.data);
      } catch (error) {
        this.logger.warn(`A "${event.name}" listener threw: ${(error as Error).message}`);
      }
    }
  }

  private noteListened(): void {
    this.hitListened = this.listeners.has('cache:hit');
    this.missListened = this.listeners.has('cache:miss');
  }
}
