// The one way an entry is read: L1 probed once (it counts its own hits and misses), then one GET
// batched with the tick's other reads, decoded once with its tags checked; a fresh Redis hit is
// kept in L1.
import type { CacheLogger } from '../events/cache-logger.js';
import { ReadBatcher } from '../redis/read-batcher.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { TagVersionStore } from '../tags/tag-version-store.js';
import { CacheBus } from '../tiers/cache-bus.js';
import type { L1Cache, L1Entry } from '../tiers/l1-cache.js';
import { l1HitNow, type L1Hit } from '../tiers/l1-value.js';
import type { CacheClock } from '../time/clock.js';
import { EntryDecoder, type MaybePromise } from './entry-decoder.js';
import type { Found } from './lookup-request.js';

export type { L1Hit };

export class EntryReader {
  readonly l1: L1Cache | undefined;
  private warnedNoL1 = false;

  constructor(
    private readonly batcher: ReadBatcher,
    private readonly decoder: EntryDecoder,
    private readonly tags: TagVersionStore,
    private readonly connection: RedisConnection,
    bus: CacheBus,
    private readonly clock: CacheClock,
    private readonly logger: CacheLogger,
  ) {
    this.l1 = bus.l1;
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
    if (tags.length === 0)
      return reading.then((raw) => (raw ? this.decoder.found(key, raw) : undefined));
    const versions = health.attempt(() => this.tags.current(tags), 'read');
    return Promise.all([reading, versions]).then(([raw, current]) => {
      if (!raw) return undefined;
      const known = current && new Map(tags.map((tag, i) => [tag, current[i]]));
      return this.decoder.found(key, raw, known);
    });
  }

  /** The entry in bytes read some other way (with a lock attempt), if valid. */
  found(key: string, raw: Buffer): MaybePromise<Found | undefined> {
    return this.decoder.found(key, raw);
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

  private l1HitOf(l1: L1Cache, key: string, entry: L1Entry): MaybePromise<L1Hit> {
    return (
      l1HitNow(l1, key, entry, this.decoder.codec) ??
      // Compressed: decoded asynchronously, as a Redis hit is.
      Promise.resolve(this.decoder.codec.decode(entry.raw)).then((decoded) => ({
        value: decoded.value,
        meta: entry.meta,
      }))
    );
  }
}
