// Runs a getOrSet factory and stores its value: one run per key in this process (even after its
// callers stopped waiting), the write releasing the lock in the same step. A failed run makes the
// stale value look fresh a while (fail-safe back-off); a hot key may recompute early (XFetch).
import type { EncodedValue, EntryMeta } from '../codec/entry-codec.js';
import { CacheEvents } from '../events/cache-event-bus.js';
import type { CacheLogger } from '../events/cache-logger.js';
import { cacheEvents } from '../events/cache-events.js';
import { factoryChannel, traceFactory } from '../events/tracing-channels.js';
import { LuaScript } from '../redis/lua-script.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { DistributedLock, type HeldLock } from '../stampede/distributed-lock.js';
import type { TagReservation } from '../tags/tag-reservation.js';
import { TagVersionStore } from '../tags/tag-version-store.js';
import type { CacheClock } from '../time/clock.js';
import { EntryEncoder } from './entry-encoder.js';
import type { EntryStore } from './entry-store.js';
import { EntryReader } from './entry-reader.js';
import { FactoryDecisions } from './factory-context.js';
import type { Found, LookupCall } from './lookup-request.js';
import { WriteEffects } from './write-effects.js';

const extendStale = LuaScript.load('extend-stale');

export class FactoryRun {
  /** Runs of this process by Redis key, including those outliving their lookup. */
  private readonly running = new Map<string, Promise<unknown>>();
  /** Keys with an early recomputation being considered or started. */
  private readonly early = new Set<string>();

  constructor(
    private readonly connection: RedisConnection,
    private readonly encoder: EntryEncoder,
    private readonly entries: EntryStore,
    private readonly tags: TagVersionStore,
    private readonly locks: DistributedLock,
    private readonly reader: EntryReader,
    private readonly effects: WriteEffects,
    private readonly clock: CacheClock,
    private readonly events: CacheEvents,
    private readonly logger: CacheLogger,
  ) {}

  /** After a hit: maybe start one background recomputation of a hot key (XFetch). */
  considerEarly<T>(call: LookupCall<T>, meta: EntryMeta | undefined, now: number): void {
    const { key, redisKey, policy } = call;
    if (policy.beta <= 0 || meta?.f === undefined || meta.d === undefined) return;
    if (this.runningFor(redisKey) || this.early.has(redisKey)) return;
    if (!shouldRecomputeEarly(now, meta.f, meta.d, policy.beta)) return;
    this.early.add(redisKey);
    void this.recomputeEarly(call, meta.f)
      .catch((error: unknown) =>
        this.logger.warn(`Early recomputation of "${key}" failed: ${describe(error)}`),
      )
      .finally(() => this.early.delete(redisKey));
  }

  private async recomputeEarly<T>(call: LookupCall<T>, freshUntil: number): Promise<void> {
    const { key, redisKey, policy } = call;
    let held: HeldLock | undefined;
    let again: Found | undefined;
    if (policy.lock) {
      const attempt = await this.locks.tryAcquire(key, redisKey, policy.lock);
      // Someone else is recomputing, or Redis cannot coordinate: the value is still fresh anyway.
      if (attempt === undefined || typeof attempt.lock !== 'object' || attempt.lock === null)
        return;
      held = attempt.lock;
      again = attempt.entry ? await this.reader.found(key, attempt.entry) : undefined;
    }
    // Recomputed meanwhile, elsewhere or here.
    if ((again?.entry.meta?.f ?? 0) > freshUntil || this.runningFor(redisKey)) {
      if (held) await this.release(held, key);
      return;
    }
    this.events.emit(cacheEvents.earlyRecompute(key));
    await this.start(call, undefined, held);
  }

  runningFor<T>(redisKey: string): Promise<T> | undefined {
    return this.running.get(redisKey) as Promise<T> | undefined;
  }

  /** Runs the factory once and stores its value, under `held` if given; to the end, whoever waits. */
  start<T>(call: LookupCall<T>, stale: Found | undefined, held?: HeldLock): Promise<T> {
    const { redisKey } = call;
    const work = this.run(call, stale, held);
    this.running.set(redisKey, work);
    const forget = () => {
      if (this.running.get(redisKey) === work) this.running.delete(redisKey);
    };
    void work.then(forget, forget);
    return work;
  }

  /** Releases a lock and wakes its waiters (unless the write told them), to read or take over. */
  async release(held: HeldLock, key: string, announced = false): Promise<void> {
    const waited = await held.release();
    if (waited && !announced) await this.effects.wakeWaiters(key);
  }

  private async run<T>(
    call: LookupCall<T>,
    stale: Found | undefined,
    held: HeldLock | undefined,
  ): Promise<T> {
    const { key, factory, options, context, policy } = call;
    let announced = false;
    let reservation: TagReservation | undefined;
    let released = false;
    const letGo = async (): Promise<void> => {
      if (!held || released) return;
      released = true;
      await this.release(held, key, announced);
    };
    // The lock goes after the hard timeout: its callers and the fleet have stopped waiting (this
    // factory may never settle). Its value, if it comes, is still stored.
    const timer =
      held && policy.hardTimeoutMs !== false
        ? setTimeout(() => void letGo(), policy.hardTimeoutMs).unref()
        : undefined;
    try {
      const { tags } = options;
      // Tag versions are taken before the factory runs: an invalidation during the factory wins.
      reservation = tags.length > 0 ? await this.entries.reserve(tags) : undefined;
      const staleValue = stale?.entry.value as T | undefined;
      const decisions = new FactoryDecisions(key, staleValue, this.tags.keys, tags);
      // The factory's real duration (XFetch's delta): work takes real time whatever the clock says.
      const started = performance.now();
      const value = await (factoryChannel.hasSubscribers
        ? traceFactory(call, () => decisions.run(factory))
        : decisions.run(factory));
      const tookMs = Math.round(performance.now() - started);
      const { skipped, tags: added } = decisions;
      if (value === undefined || skipped || (context?.shouldStore && !context.shouldStore(value)))
        return value;
      if (tags.length > 0 && !reservation) return value;
      // Tags the factory added are versioned from now: an invalidation during it is not seen.
      if (added.length > 0) {
        const later = await this.entries.reserve(added);
        if (!later) return value;
        reservation = reservation ? reservation.joined(later) : later;
      }
      const ttlMs = decisions.ttlMs ?? (value === null ? options.nullTtlMs : undefined);
      const decided = { ttlMs: ttlMs ?? options.ttlMs, tags: [...tags, ...added] };
      announced = await this.store(call, value, reservation, tookMs, held, decided);
      return value;
    } catch (error) {
      if (stale) await this.backOff(call, stale);
      // Awaited on failure: nothing was stored, so the caller's error comes with no lock left.
      await letGo();
      throw error;
    } finally {
      clearTimeout(timer);
      // Tags created for a value that was not stored go now (they are nobody's).
      await reservation?.end(this.connection.health);
      // Not awaited: the caller has its value. After a write the lock is already released by its
      // script.
      void letGo();
    }
  }

  /** Writes the computed value; true when the write was announced to the other instances. */
  private async store<T>(
    call: LookupCall<T>,
    value: T,
    reservation: TagReservation | undefined,
    tookMs: number,
    held: HeldLock | undefined,
    { ttlMs, tags }: { ttlMs: number; tags: readonly string[] },
  ): Promise<boolean> {
    const { key, redisKey, policy } = call;
    let encoded: EncodedValue;
    try {
      encoded = await this.encoder.encode(key, value, call.context?.method);
    } catch (error) {
      // The caller still gets its value; only the cache goes without it.
      if (!this.effects.isNotStorable(error)) throw error;
      this.effects.notStored(key, call.context?.method, error);
      return false;
    }
    const meta: EntryMeta = {};
    if (reservation) meta.tags = reservation.versions;
    if (ttlMs > 0 && (policy.graceMs > 0 || policy.beta > 0 || this.effects.recordsFreshness))
      meta.f = this.clock.now() + ttlMs;
    if (ttlMs > 0 && policy.beta > 0) meta.d = tookMs;
    const raw = this.encoder.codec.assemble(encoded, meta);
    const physicalTtlMs = ttlMs > 0 ? ttlMs + policy.graceMs : 0;
    const stamp = this.reader.stamp();
    // Under a lock, the write releases it in the same step and tells whether anybody waited. A
    // tagged entry is stored with its tags in one step; its lock is released after it.
    const waited = await this.entries.store([{ redisKey, raw, ttlMs: physicalTtlMs, tags }], {
      reservation,
      held,
    });
    if (waited === undefined) return false;
    // A TTL the factory shortened bounds L1 too.
    const l1TtlMs = ttlMs > 0 ? Math.min(call.l1TtlMs, ttlMs) : call.l1TtlMs;
    return this.effects.stored(key, raw, meta, { ttlMs: l1TtlMs, stamp }, waited);
  }

  private async backOff(call: LookupCall<unknown>, stale: Found): Promise<void> {
    const { redisKey, policy } = call;
    const meta: EntryMeta = { ...stale.entry.meta, f: this.clock.now() + policy.graceBackoffMs };
    const raw = this.encoder.codec.withMeta(stale.raw, meta);
    const { client, health } = this.connection;
    await health.attempt(
      () => extendStale.run(client, [redisKey], [stale.raw, raw, policy.graceBackoffMs]),
      'write',
      redisKey,
    );
  }
}

/**
 * XFetch (Vattani et al., VLDB 2015): now - delta * beta * ln(random) >= expiry; one draw per hit,
 * no state. `random` is in (0, 1].
 */
export function shouldRecomputeEarly(
  now: number,
  freshUntil: number,
  deltaMs: number,
  beta: number,
  random: number = 1 - Math.random(),
): boolean {
  return now - deltaMs * beta * Math.log(random) >= freshUntil;
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
