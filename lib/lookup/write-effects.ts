// What follows a write, whoever made it (set, mset, del, a factory's value, invalidateTags,
// clear): this instance's L1 drops or takes the entry, the other instances are told over the bus
// (their L1 drops it, their waiters wake up), and the write is announced as an event. A value the
// app computed (factory, @Cacheable, @CachePut, write-through) that cannot be stored (not
// serializable, over limits.valueBytes): the caller still gets it, nothing is cached, and it is
// logged once per key and announced every time (`cache:not-stored`). Only set()/mset() reject.
import type { EntryMeta } from '../codec/entry-codec.js';
import { CacheSerializationError, CacheValueTooLargeError } from '../errors/errors.js';
import { CacheEvents } from '../events/cache-event-bus.js';
import { cacheEvents } from '../events/cache-events.js';
import type { CacheLogger } from '../events/cache-logger.js';
import { WarnOnce } from '../events/warn-once.js';
import { CacheBus } from '../tiers/cache-bus.js';
import type { L1Cache } from '../tiers/l1-cache.js';
import { isSystemClock, type CacheClock } from '../time/clock.js';

type NotStorable = CacheSerializationError | CacheValueTooLargeError;

export class WriteEffects {
  private readonly l1: L1Cache | undefined;
  /**
   * Whether entries with a TTL record their fresh-until: so L1 never outlives them, or because
   * the clock is the user's own (reads follow it; Redis's expiry keeps real time).
   */
  readonly recordsFreshness: boolean;
  /** Keys whose value could not be stored, already logged. */
  private readonly notStoredKeys: WarnOnce;

  constructor(
    private readonly bus: CacheBus,
    private readonly events: CacheEvents,
    private readonly clock: CacheClock,
    logger: CacheLogger,
  ) {
    this.l1 = bus.l1;
    this.recordsFreshness = this.l1 !== undefined || !isSystemClock(clock);
    this.notStoredKeys = new WarnOnce(logger);
  }

  /** Metadata of an entry set directly (set/mset). */
  writeMeta(ttlMs: number): EntryMeta | undefined {
    return this.recordsFreshness && ttlMs > 0 ? { f: this.clock.now() + ttlMs } : undefined;
  }

  /** After set/mset (`landed` false: skipped, Redis unavailable): every L1 drops the keys. */
  async written(keys: readonly string[], landed: boolean): Promise<void> {
    if (landed) for (const key of keys) this.events.emit(cacheEvents.written(key));
    await this.keysChanged(keys);
  }

  async deleted(keys: readonly string[]): Promise<void> {
    this.events.emit(cacheEvents.deleted(keys));
    await this.keysChanged(keys);
  }

  /**
   * A factory's value was stored: kept in this L1, and announced unless nobody needs to hear (no
   * L1 and no waiter). Not awaited: sent after the write, it cannot fail the call.
   */
  stored(
    key: string,
    raw: Buffer,
    meta: EntryMeta,
    l1: { ttlMs: number; stamp: number },
    waited: boolean,
  ): boolean {
    this.events.emit(cacheEvents.written(key));
    if (l1.ttlMs > 0) this.l1!.put(key, raw, meta, l1.ttlMs, l1.stamp);
    if (!this.l1 && !waited) return false;
    void this.bus.keysChanged([key]);
    return true;
  }

  /** Whether a write failed for what the value is (not for a bad key, TTL or tags). */
  isNotStorable(error: unknown): error is NotStorable {
    return error instanceof CacheSerializationError || error instanceof CacheValueTooLargeError;
  }

  notStored(key: string, method: string | undefined, error: NotStorable): void {
    this.events.emit(cacheEvents.notStored(key, method, error));
    this.notStoredKeys.warn(key, () => {
      const what = method === undefined ? 'The value computed' : `The value ${method} returned`;
      return (
        `${what} for "${key}" is returned but not cached (${reasonOf(error)}). Counted in ` +
        'stats().values.notStored; not logged again for this key.'
      );
    });
  }

  /** A lock was released without a write that told its waiters: wake them up. */
  async wakeWaiters(key: string): Promise<void> {
    await this.bus.wake([key]);
  }

  async tagsInvalidated(tags: readonly string[]): Promise<void> {
    this.events.emit(cacheEvents.tagsInvalidated(tags));
    if (!this.l1) return;
    this.l1.evictTags(tags);
    await this.bus.tagsInvalidated(tags);
  }

  async cleared(): Promise<void> {
    this.events.emit(cacheEvents.cleared());
    if (!this.l1) return;
    this.l1.clear();
    await this.bus.cleared();
  }

  private async keysChanged(keys: readonly string[]): Promise<void> {
    if (!this.l1 || keys.length === 0) return;
    this.l1.evictKeys(keys);
    await this.bus.keysChanged(keys);
  }
}

function reasonOf(error: NotStorable): string {
  if (error instanceof CacheValueTooLargeError)
    return `${error.bytes} bytes serialized, over limits.valueBytes (${error.limit})`;
  const cause = error.cause;
  return cause instanceof Error ? cause.message : String(cause);
}
