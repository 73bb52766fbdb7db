// What follows a write, whoever made it (set, mset, del, a factory's value, invalidateTags,
// clear): this instance's L1 drops or takes the entry, the other instances are told over the bus
// (their L1 drops it, their waiters wake up), and the write is announced as an event.
import type { EntryMeta } from '../codec/entry-codec.js';
import { CacheEvents } from '../events/cache-event-bus.js';
import { cacheEvents } from '../events/cache-events.js';
import { CacheBus } from '../tiers/cache-bus.js';
import type { L1Cache } from '../tiers/l1-cache.js';
import { isSystemClock, type CacheClock } from '../time/clock.js';

export class WriteEffects {
  private readonly l1: L1Cache | undefined;
  /**
   * Whether entries with a TTL record their fresh-until: so L1 never outlives them, or because
   * the clock is the user's own (reads follow it; Redis's expiry keeps real time).
   */
  readonly recordsFreshness: boolean;

  constructor(
    private readonly bus: CacheBus,
    private readonly events: CacheEvents,
    private readonly clock: CacheClock,
  ) {
    this.l1 = bus.l1;
    this.recordsFreshness = this.l1 !== undefined || !isSystemClock(clock);
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

  /** A lock was released without a write that told its waiters: wake them up. */
  async wakeWaiters(key: string): Promise<void> {
    await this.bus.wake([key]);
  }

  async tagsInvalidated(tags: readonly string[]): Promise<void> {
    this.events.emit(cacheEvents.tagsInvalidated(tags));
    if (!this.l1) return;
    this.l1.evictTags(tags);
    await this.bus.tagsInvalidated([...tags]);
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
    await this.bus.keysChanged([...keys]);
  }
}
