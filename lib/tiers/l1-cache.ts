// The in-process L1: entry bytes as Redis holds them, an LRU bounded by entries and bytes. Evicted
// when another instance writes (cache-bus.ts); generation stamps stop a read that raced with an
// eviction from putting its older bytes back.
//
// A hit hands out a value nobody else can change, equal to a Redis hit's. A plain-JSON payload is
// parsed at the entry's first hit, and each hit gets a copy by a copier compiled for its shape
// (json-copier.ts: ~25x cheaper than parsing 1 KB again, 9x cheaper than a generic deep copy), or
// with `l1.frozen` the tree itself, frozen once. Anything else is decoded per hit as a Redis hit
// is (freezing would not protect a Date or a Map); a RawBytes is wrapped once, shared.
import { LRUCache } from 'lru-cache';
import type { EntryCodec, EntryMeta } from '../codec/entry-codec.js';
import type { L1Admission, L1Settings } from '../options/resolved-options.js';
import { isSystemClock, systemClock, type CacheClock } from '../time/clock.js';
import { FrequencySketch } from './frequency-sketch.js';
import { jsonCopierFor, type JsonCopier } from './json-copier.js';

export interface L1Hit {
  value: unknown;
  meta?: EntryMeta;
}

/** An entry's value made at its first hit: a plain-JSON tree (copied per hit unless frozen) or a RawBytes. */
export interface L1Parsed {
  value: unknown;
  /** Makes each hit's copy of `value` (compiled for its shape); absent: `value` is handed out. */
  copy?: JsonCopier;
}

export interface L1Entry {
  raw: Buffer;
  meta?: EntryMeta;
  /** Epoch ms after which the entry is not served from L1 (stale entries go back to Redis). */
  freshUntil: number;
  /**
   * Set at first hit: the parsed plain-JSON value (counted in maxBytes), or null (decoded per hit).
   */
  parsed?: L1Parsed | null;
  /** With `admission: 'frequency'`: the key's FrequencySketch hash; else 0. */
  keyHash: number;
  /**
   * With `admission: 'frequency'`: hits since the entry came in, folded into the sketch when it
   * leaves. Counted here, in the object the hit just read, so a hit never brings the sketch's table
   * into CPU cache.
   */
  reads: number;
}

export interface L1Stats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
  maxEntries: number;
  maxBytes: number;
  /** False while the invalidation channel is down: L1 is then bypassed. */
  active: boolean;
}

// Per-entry bookkeeping of lru-cache and of the maps here, counted against maxBytes.
const ENTRY_OVERHEAD = 96;
// A parsed JSON tree in the V8 heap, in bytes per byte of the JSON it came from (an estimate:
// short strings and small integers cost less, many small objects more).
const PARSED_PER_BYTE = 2;
// Keys evicted recently, remembered so that a read started before the eviction is not cached.
const RECENT_EVICTIONS = 4_096;

export class L1Cache {
  private hits = 0;
  private misses = 0;
  private readonly lru: LRUCache<string, L1Entry>;
  private readonly keysByTag = new Map<string, Set<string>>();
  private generation = 0;
  /** Stamps below this are too old to cache (a tag eviction, a clear, a forgotten key eviction). */
  private floor = 0;
  private readonly evictedAt = new Map<string, number>();
  /** Reads per key lately, with `admission: 'frequency'`; absent (and never touched) without. */
  private readonly sketch: FrequencySketch | undefined;

  constructor(
    readonly settings: Omit<L1Settings, 'invalidation' | 'admission'> & { admission?: L1Admission },
    private readonly isActive: () => boolean,
    clock: CacheClock = systemClock,
  ) {
    if (settings.admission === 'frequency')
      this.sketch = new FrequencySketch(settings.maxEntries, () => this.ageReads());
    this.lru = new LRUCache<string, L1Entry>({
      max: settings.maxEntries,
      maxSize: settings.maxBytes,
      ttl: settings.ttlMs,
      sizeCalculation: (entry, key) => sizeOf(entry, key, !!entry.parsed),
      dispose: (entry, key) => {
        this.unindex(key, entry);
        if (this.sketch !== undefined && entry.reads > 0)
          this.sketch.add(entry.keyHash, entry.reads);
      },
      // lru-cache reads performance.now() at most once a ms; another clock is read on every check
      // so a test's advance() counts at once (+1: lru-cache reads a start of 0 as "no TTL",
      // ManualClock may start at 0).
      ...(isSystemClock(clock) ? {} : { perf: { now: () => clock.now() + 1 }, ttlResolution: 0 }),
    });
  }

  get(key: string): L1Entry | undefined {
    if (!this.isActive()) return undefined;
    const entry = this.lru.get(key);
    // Every lookup counts, hit or miss: a key read often while outside L1 earns its way in.
    if (this.sketch !== undefined) {
      if (entry === undefined) this.sketch.increment(key);
      else entry.reads++;
    }
    return entry;
  }

  /** The entry if fresh at `now`, counted as a hit; else a miss (stale goes back to Redis). */
  fresh(key: string, now: number): L1Entry | undefined {
    const entry = this.get(key);
    if (entry === undefined || entry.freshUntil <= now) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    return entry;
  }

  /** Counts an L1 hit on an entry already read with get() (a probe that had to look first). */
  countHit(): void {
    this.hits++;
  }

  /** Take before reading Redis; pass to put() so an eviction in between wins. */
  stamp(): number {
    return this.generation;
  }

  put(key: string, raw: Buffer, meta: EntryMeta | undefined, ttlMs: number, stamp: number): void {
    if (ttlMs < 1 || !this.isActive() || stamp < this.floor) return;
    const evicted = this.evictedAt.get(key);
    if (evicted !== undefined && evicted > stamp) return;
    // Own copy when the reply is a view into a larger socket chunk (it would keep the chunk alive);
    // a buffer that is all of its memory is kept as it is, sparing a large value a copy.
    const keyHash = this.sketch === undefined ? 0 : this.sketch.hash(key);
    if (this.sketch !== undefined && !this.admits(keyHash, key, raw.length)) return;
    const kept = ownsItsMemory(raw) ? raw : ownCopy(raw);
    const freshUntil = meta?.f ?? Number.POSITIVE_INFINITY;
    this.lru.set(
      key,
      { raw: kept, meta, freshUntil, parsed: undefined, keyHash, reads: 0 },
      { ttl: Math.min(ttlMs, this.settings.ttlMs) },
    );
    if (meta?.tags) {
      for (const tag of Object.keys(meta.tags)) {
        let keys = this.keysByTag.get(tag);
        if (!keys) this.keysByTag.set(tag, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  /** The hit, or undefined when it needs asynchronous work (a compressed entry). */
  hitNow(key: string, entry: L1Entry, codec: EntryCodec): L1Hit | undefined {
    let parsed = entry.parsed;
    if (parsed === undefined) {
      parsed = this.parsedOnce(entry, codec);
      this.keepParsed(key, entry, parsed);
    }
    if (parsed === null) return codec.decodeNow(entry.raw);
    const value = parsed.copy === undefined ? parsed.value : parsed.copy(parsed.value);
    return { value, meta: entry.meta };
  }

  /** The value made once: a JSON tree (frozen, or with its copier) or a RawBytes; else null. */
  private parsedOnce(entry: L1Entry, codec: EntryCodec): L1Parsed | null {
    const plain = codec.plainJsonValue(entry.raw);
    if (plain === undefined) return codec.rawBytesValue(entry.raw) ?? null;
    if (this.settings.frozen) {
      deepFreeze(plain.value);
      return { value: plain.value };
    }
    return { value: plain.value, copy: jsonCopierFor(plain.value) };
  }

  /**
   * Keeps the parsed value of a just-hit entry, counted against maxBytes from now on; one that
   * would not fit at all keeps only its bytes rather than being dropped.
   */
  private keepParsed(key: string, entry: L1Entry, parsed: L1Parsed | null): void {
    if (parsed === null || sizeOf(entry, key, true) > this.settings.maxBytes) {
      entry.parsed = null;
      return;
    }
    if (this.lru.peek(key) !== entry) return;
    // A new record (lru-cache re-sizes only a changed value), built as put() builds one: an entry
    // of another shape made every access slower (+130 ns per getOrSet L1 hit).
    const { raw, meta, freshUntil, keyHash, reads } = entry;
    const kept: L1Entry = { raw, meta, freshUntil, parsed, keyHash, reads };
    this.lru.set(key, kept, { noUpdateTTL: true, noDisposeOnSet: true });
  }

  evictKeys(keys: readonly string[]): void {
    const generation = ++this.generation;
    for (const key of keys) {
      this.lru.delete(key);
      this.evictedAt.delete(key);
      this.evictedAt.set(key, generation);
    }
    // Forgetting the oldest evictions: refuse every read older than them instead.
    for (const [key, at] of this.evictedAt) {
      if (this.evictedAt.size <= RECENT_EVICTIONS) break;
      this.evictedAt.delete(key);
      this.floor = Math.max(this.floor, at);
    }
  }

  evictTags(tags: readonly string[]): void {
    this.floor = ++this.generation;
    for (const tag of tags) {
      for (const key of [...(this.keysByTag.get(tag) ?? [])]) this.lru.delete(key);
      this.keysByTag.delete(tag);
    }
  }

  clear(): void {
    this.floor = ++this.generation;
    this.lru.clear();
    this.keysByTag.clear();
    this.evictedAt.clear();
  }

  stats(): L1Stats {
    return {
      hits: this.hits,
      misses: this.misses,
      entries: this.lru.size,
      bytes: this.lru.calculatedSize,
      maxEntries: this.settings.maxEntries,
      maxBytes: this.settings.maxBytes,
      active: this.isActive(),
    };
  }

  resetStats(): void {
    this.hits = this.misses = 0;
  }

  /**
   * TinyLFU admission: when L1 is full, a new key comes in only if read more often lately than the
   * LRU entry it would push out, so a scan of keys read once passes by the hot set. A key already
   * in L1 is always replaced (its bytes must not go stale).
   */
  private admits(keyHash: number, key: string, rawBytes: number): boolean {
    const { maxEntries, maxBytes } = this.settings;
    const full =
      this.lru.size >= maxEntries ||
      this.lru.calculatedSize + sizeOf({ raw: { length: rawBytes } }, key, false) > maxBytes;
    if (!full || this.lru.has(key)) return true;
    // The least recently used live entry (rvalues() skips expired ones, which go first anyway).
    const victim = this.lru.rvalues().next();
    if (victim.done) return true;
    const { keyHash: victimHash, reads: victimHits } = victim.value!;
    const sketch = this.sketch!;
    return sketch.frequencyOf(keyHash) > Math.min(15, sketch.frequencyOf(victimHash) + victimHits);
  }

  /** The sketch was halved: so are the hits counted in the entries. */
  private ageReads(): void {
    for (const entry of this.lru.values()) entry.reads >>>= 1;
  }

  private unindex(key: string, entry: L1Entry): void {
    if (!entry.meta?.tags) return;
    for (const tag of Object.keys(entry.meta.tags)) {
      const keys = this.keysByTag.get(tag);
      if (keys?.delete(key) && keys.size === 0) this.keysByTag.delete(tag);
    }
  }
}

function ownsItsMemory(bytes: Buffer): boolean {
  return bytes.byteOffset === 0 && bytes.length === bytes.buffer.byteLength;
}

/** A copy in memory of its own (not a slice of Buffer's shared pool). */
function ownCopy(bytes: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}

function sizeOf(entry: { raw: { length: number } }, key: string, parsed: boolean): number {
  return entry.raw.length * (parsed ? 1 + PARSED_PER_BYTE : 1) + key.length * 2 + ENTRY_OVERHEAD;
}

/** Freezes a JSON tree (objects and arrays only: nothing else is in one). */
function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}
