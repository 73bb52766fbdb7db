// The 10 largest entries written and read by this process (sizes in Redis and before compression,
// writer) and a histogram of sizes written, fed by the bus's size tally; a small entry costs one
// comparison. L1 hits are not offered: they move no bytes.
import { isCompressedEntry } from '../codec/entry-codec.js';
import type { CacheEvents } from '../events/cache-event-bus.js';
import { histogramSamples, type MetricSample, type MetricLabels } from './prometheus-text.js';

const TOP = 10;
/** Upper bounds (bytes) of the size histogram: 256 B to 16 MiB, ×4 per bucket. */
const ENTRY_SIZE_BOUNDS: readonly number[] = [
  256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216,
];

export interface BigKey {
  key: string;
  /** The entry's size in Redis (compressed, if it is): the largest seen for this key. */
  bytes: number;
  /** Its size before compression; undefined for a compressed entry read but not written here. */
  plainBytes?: number;
  /** The cached method or HTTP handler that wrote it, when known (written by this process). */
  writer?: string;
}

export interface BigKeysSnapshot {
  written: BigKey[];
  read: BigKey[];
}

/** The largest `TOP` entries by key: one record per key, the largest size seen for it. */
class LargestEntries {
  private readonly byKey = new Map<string, BigKey>();
  /** The smallest size in a full table: smaller entries are turned away at once. */
  floor = -1;

  offer(entry: BigKey): void {
    const kept = this.byKey.get(entry.key);
    if (kept !== undefined && kept.bytes > entry.bytes) return;
    this.byKey.set(entry.key, entry);
    const sorted = this.list();
    if (sorted.length > TOP) this.byKey.delete(sorted.pop()!.key);
    this.floor = sorted.length < TOP ? -1 : sorted[TOP - 1].bytes;
  }

  get(key: string): BigKey | undefined {
    return this.byKey.get(key);
  }

  /** Largest first (ties by key). */
  list(): BigKey[] {
    return [...this.byKey.values()].sort((a, b) => b.bytes - a.bytes || (a.key < b.key ? -1 : 1));
  }

  clear(): void {
    this.byKey.clear();
    this.floor = -1;
  }
}

export class BigKeys {
  private readonly written = new LargestEntries();
  private readonly read = new LargestEntries();
  private readonly bucketCounts = new Array<number>(ENTRY_SIZE_BOUNDS.length).fill(0);
  private writes = 0;
  private bytesWritten = 0;

  /** `handler`: the HTTP handler of the request being served, if any (names the writer). */
  constructor(
    events: CacheEvents,
    private readonly handler: () => string | undefined,
  ) {
    events.tallySizes({
      written: (key, bytes, plainBytes, method) => this.wrote(key, bytes, plainBytes, method),
      read: (key, raw) => this.readEntry(key, raw),
    });
  }

  /** One entry written: its size in Redis and before compression; `method` the cached method. */
  wrote(key: string, bytes: number, plainBytes: number, method: string | undefined): void {
    this.writes++;
    this.bytesWritten += bytes;
    const bucket = ENTRY_SIZE_BOUNDS.findIndex((bound) => bytes <= bound);
    if (bucket >= 0) this.bucketCounts[bucket]++;
    if (bytes <= this.written.floor) return;
    const writer = method ?? this.handler();
    this.written.offer({ key, bytes, plainBytes, ...(writer ? { writer } : {}) });
  }

  readEntry(key: string, raw: Buffer): void {
    if (raw.length <= this.read.floor) return;
    const bytes = raw.length;
    const written = this.written.get(key);
    const plainBytes = !isCompressedEntry(raw) ? bytes : written?.plainBytes;
    this.read.offer({
      key,
      bytes,
      ...(plainBytes !== undefined ? { plainBytes } : {}),
      ...(written?.writer ? { writer: written.writer } : {}),
    });
  }

  snapshot(): BigKeysSnapshot {
    const copies = (table: LargestEntries) => table.list().map((entry) => ({ ...entry }));
    return { written: copies(this.written), read: copies(this.read) };
  }

  /** The `cache_entry_bytes` histogram of the sizes written. */
  histogram(labels: MetricLabels): MetricSample[] {
    let cumulative = 0;
    const counts = this.bucketCounts.map((count) => (cumulative += count));
    return histogramSamples(labels, ENTRY_SIZE_BOUNDS, counts, this.writes, this.bytesWritten);
  }

  reset(): void {
    this.written.clear();
    this.read.clear();
    this.bucketCounts.fill(0);
    this.writes = this.bytesWritten = 0;
  }
}
