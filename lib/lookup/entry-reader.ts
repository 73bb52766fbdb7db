// The one way an entry is read: L1 probed once (it counts its own hits and misses), then one GET
// batched with the tick's other reads, decoded once with its tags checked; a fresh Redis hit is
// kept in L1. An entry is undefined when corrupt, over `maxValueBytes` (a miss, logged once per
// key, announced) or a tag was invalidated since; decoding is synchronous where it can be
// (uncompressed, untagged), so a hit costs no extra promise.
import { EntryCodec, type DecodedEntry } from '../codec/entry-codec.js';
import { CacheEntryTooLargeError } from '../errors/errors.js';
import { CacheEvents } from '../events/cache-event-bus.js';
import { cacheEvents } from '../events/cache-events.js';
import type { CacheLogger } from '../events/cache-logger.js';
import { WarnOnce } from '../events/warn-once.js';
import { ReadBatcher } from '../redis/read-batcher.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { TagVersionStore, type KnownTagVersions } from '../tags/tag-version-store.js';
import { CacheBus } from '../tiers/cache-bus.js';
import type { L1Cache, L1Entry, L1Hit } from '../tiers/l1-cache.js';
import type { CacheClock } from '../time/clock.js';
import type { Found } from './lookup-request.js';

export type { L1Hit };
export type MaybePromise<T> = T | Promise<T>;

export class EntryReader {
  readonly l1: L1Cache | undefined;
  private warnedNoL1 = false;
  private readonly rejectedKeys: WarnOnce;

  constructor(
    private readonly batcher: ReadBatcher,
    private readonly codec: EntryCodec,
    private readonly tags: TagVersionStore,
    private readonly connection: RedisConnection,
    bus: CacheBus,
    private readonly events: CacheEvents,
    private readonly clock: CacheClock,
    private readonly logger: CacheLogger,
  ) {
    this.l1 = bus.l1;
    this.rejectedKeys = new WarnOnce(logger);
  }

  /**
   * A fresh L1 hit (synchronous unless the entry is compressed), or undefined: an L1 miss, which
   * L1 counts. Call only with an L1 TTL above 0 (l1TtlFor).
   */
  fromL1(key: string, now: number): MaybePromise<L1Hit> | undefined {
    const l1 = this.l1!;
    const entry = l1.fresh(key, now);
    if (entry === undefined) return undefined;
    return this.l1HitOf(l1, key, entry);
  }

  /** An entry peekL1 found, served and counted as fromL1 serves and counts a hit. */
  l1Hit(key: string, entry: L1Entry): MaybePromise<L1Hit> {
    const l1 = this.l1!;
    l1.countHit();
    return this.l1HitOf(l1, key, entry);
  }

  /** Whether L1 holds a fresh entry, without counting a hit or a miss (has, ttl). */
  peekL1(key: string, now: number): L1Entry | undefined {
    const entry = this.l1?.get(key);
    return entry && entry.freshUntil > now ? entry : undefined;
  }

  /**
   * The entry in Redis, if valid; a lookup's tag versions are read alongside (one round trip, not
   * two).
   */
  fromRedis(
    key: string,
    redisKey: string,
    tags: readonly string[] = [],
  ): Promise<Found | undefined> {
    const health = this.connection.health;
    const reading = health.attempt(() => this.batcher.get(redisKey), 'read', redisKey);
    if (tags.length === 0) return reading.then((raw) => (raw ? this.found(key, raw) : undefined));
    const versions = health.attempt(() => this.tags.current(tags), 'read');
    return Promise.all([reading, versions]).then(([raw, current]) => {
      if (!raw) return undefined;
      const known = current && new Map(tags.map((tag, i) => [tag, current[i]]));
      return this.found(key, raw, known);
    });
  }

  /** Take before reading Redis; pass to keep() so an L1 eviction in between wins. */
  stamp(): number {
    return this.l1?.stamp() ?? 0;
  }

  /** Keeps an entry read from Redis in L1, for no longer than it is fresh. */
  keep(key: string, found: Found, l1TtlMs: number, stamp: number): void {
    const left = found.freshUntil - this.clock.now();
    this.l1!.put(key, found.raw, found.entry.meta, Math.min(l1TtlMs, left), stamp);
  }

  /** L1 TTL of a lookup in ms, 0 when it does not use L1 (`call`: the lookup's `l1` option). */
  l1TtlFor(call: number | boolean | undefined, ttlMs: number): number {
    if (!this.l1) {
      if (call !== undefined && call !== false && !this.warnedNoL1) {
        this.warnedNoL1 = true;
        this.logger.warn(
          'l1 was requested for a lookup but RedisCacheModule has no l1 configured.',
        );
      }
      return 0;
    }
    if (call === false) return 0;
    const base = typeof call === 'number' ? call : this.l1.settings.ttlMs;
    return ttlMs > 0 ? Math.min(base, ttlMs) : base;
  }

  /**
   * The entry in these bytes (read with a GET or a lock attempt), if valid; `known` holds tag
   * versions read alongside it.
   */
  found(key: string, raw: Buffer, known?: KnownTagVersions): MaybePromise<Found | undefined> {
    this.events.entryRead(key, raw);
    let decoded: MaybePromise<DecodedEntry>;
    try {
      decoded = this.codec.decode(raw);
    } catch (error) {
      return this.rejected(key, error);
    }
    if (decoded instanceof Promise)
      return decoded.then(
        (entry) => this.checked(key, raw, entry, known),
        (error: unknown) => this.rejected(key, error),
      );
    return this.checked(key, raw, decoded, known);
  }

  private checked(
    key: string,
    raw: Buffer,
    entry: DecodedEntry,
    known: KnownTagVersions | undefined,
  ): MaybePromise<Found | undefined> {
    const found = { raw, entry, freshUntil: entry.meta?.f ?? Number.POSITIVE_INFINITY };
    const recorded = entry.meta?.tags;
    if (!recorded) return found;
    // Redis unable to tell (undefined) counts as invalid: never serve what may be invalidated.
    return this.connection.health
      .attempt(() => this.tags.stillValid(recorded, known), 'read')
      .then((valid) => (valid ? found : undefined));
  }

  /** An entry that is read as a miss for what it holds; the next write of the key replaces it. */
  private rejected(key: string, error: unknown): undefined {
    const tooLarge = error instanceof CacheEntryTooLargeError;
    const kind = tooLarge ? 'too-large' : 'corrupt';
    this.events.emit(cacheEvents.entryRejected(key, kind, error));
    this.rejectedKeys.warn(`${kind}\u0000${key}`, () =>
      tooLarge
        ? `Entry "${key}" holds more than limits.valueBytes (${error.limit} bytes) and is treated as a miss; reading stopped there. Counted in stats().values.oversizedEntries; not logged again for this key.`
        : `Entry "${key}" cannot be decoded and is treated as a miss: ${(error as Error).message}. Counted in stats().values.corruptEntries; not logged again for this key.`,
    );
    return undefined;
  }

  private l1HitOf(l1: L1Cache, key: string, entry: L1Entry): MaybePromise<L1Hit> {
    return (
      l1.hitNow(key, entry, this.codec) ??
      // Compressed: decoded asynchronously, as a Redis hit is.
      Promise.resolve(this.codec.decode(entry.raw)).then((decoded) => ({
        value: decoded.value,
        meta: entry.meta,
      }))
    );
  }
}
