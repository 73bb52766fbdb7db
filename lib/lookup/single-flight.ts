// A miss (or stale entry): one factory run in the fleet, the stale value (fail-safe) when it fails
// or passes the soft timeout. Same-key callers in this process share one miss path; elsewhere the
// lock decides who computes, the others wait (woken over pub/sub), serve stale, or take over.
import { CacheFactoryTimeoutError, CacheLockTimeoutError } from '../errors/errors.js';
import { CacheEvents } from '../events/cache-event-bus.js';
import type { CacheLogger } from '../events/cache-logger.js';
import { cacheEvents } from '../events/cache-events.js';
import { lockWaitChannel, LockWaitTrace } from '../events/tracing-channels.js';
import { DistributedLock, type HeldLock } from '../stampede/distributed-lock.js';
import { CacheBus } from '../tiers/cache-bus.js';
import type { CacheClock } from '../time/clock.js';
import { EntryReader } from './entry-reader.js';
import { describe, FactoryRun } from './factory-run.js';
import { countCall, type Found, type LookupCall } from './lookup-request.js';

/** Re-check period of a waiter while the subscriber connection is not (yet) listening. */
const NO_PUBSUB_RECHECK_MS = 200;

/** A miss path running in this process, shared by concurrent callers of the same key. */
interface Flight {
  promise: Promise<unknown>;
  call: LookupCall<unknown>;
}

export class SingleFlight {
  // While recent lookups mostly missed, a lookup starts with the lock attempt, which reads the
  // entry in the same step: a miss costs one round trip less. Hits return lookups to plain reads
  // (they batch better with get()).
  private missRate = 0;
  private readonly flights = new Map<string, Flight>();

  constructor(
    private readonly locks: DistributedLock,
    private readonly bus: CacheBus,
    private readonly reader: EntryReader,
    private readonly runs: FactoryRun,
    private readonly events: CacheEvents,
    private readonly clock: CacheClock,
    private readonly logger: CacheLogger,
  ) {}

  recordRead(miss: boolean): void {
    this.missRate += ((miss ? 1 : 0) - this.missRate) / 16;
  }

  /** Whether to start with the lock attempt: miss-heavy traffic, or `seenAbsent`. */
  readsWithAttempt(call: LookupCall<unknown>, seenAbsent = false): boolean {
    return (
      (seenAbsent || this.missRate > 0.5) &&
      !this.flights.has(call.redisKey) &&
      !this.runs.runningFor(call.redisKey) &&
      this.locks.readsWithAttempt(call.key, call.redisKey)
    );
  }

  /**
   * The value for a lookup that found no fresh entry (`stale`: one within grace). `startedAt`: on
   * the cache's clock (freshness); `startedMs`: Date.now() (timeouts and lock waits).
   * `unreadStamp`: the entry is not read yet (the lock attempt reads it), a hit is kept in L1
   * with this stamp.
   */
  obtain<T>(
    call: LookupCall<T>,
    stale: Found | undefined,
    startedAt: number,
    startedMs: number,
    unreadStamp?: number,
  ): Promise<T> {
    const flight = this.flights.get(call.redisKey);
    if (flight) return this.join(flight, call) as Promise<T>;
    const promise = this.lead(call, stale, startedAt, startedMs, unreadStamp).finally(() =>
      this.flights.delete(call.redisKey),
    );
    this.flights.set(call.redisKey, { promise, call });
    return promise;
  }

  /** A caller sharing another's miss path counts as that caller did. */
  private async join(flight: Flight, call: LookupCall<unknown>): Promise<unknown> {
    try {
      const value = await flight.promise;
      countCall(this.events, call, flight.call.hit === true);
      return value;
    } catch (error) {
      countCall(this.events, call, false);
      throw error;
    }
  }

  private async lead<T>(
    call: LookupCall<T>,
    stale: Found | undefined,
    startedAt: number,
    startedMs: number,
    unreadStamp: number | undefined,
  ): Promise<T> {
    const { key, redisKey, policy } = call;
    const local = this.runs.runningFor<T>(redisKey);
    if (local) return this.serve(call, stale, startedMs, undefined, local);
    const lock = policy.lock;
    if (!lock) return this.serve(call, stale, startedMs);
    // Listen before trying the lock, so a value written right after the attempt is not missed.
    const watch = this.bus.watch(key);
    let waited = false;
    let traced: LockWaitTrace | undefined;
    try {
      for (;;) {
        // Read with the attempt: the previous holder may have written the value just now.
        const firstRead = unreadStamp;
        unreadStamp = undefined;
        const attempt = await this.locks.tryAcquire(key, redisKey, lock, firstRead !== undefined);
        // Redis cannot coordinate (unavailable): compute here, as without a lock.
        if (attempt === undefined) return this.serve(call, stale, startedMs);
        const again = attempt.entry ? await this.reader.found(key, attempt.entry) : undefined;
        const held = attempt.lock;
        if (firstRead !== undefined) {
          const fresh = again !== undefined && again.freshUntil > startedAt;
          this.recordRead(!fresh);
          if (fresh) {
            countCall(this.events, call, true);
            if (call.l1TtlMs > 0) this.reader.keep(key, again, call.l1TtlMs, firstRead);
            this.runs.considerEarly(call, again.entry.meta, startedAt);
            return again.entry.value as T;
          }
          if (again && policy.graceMs > 0) stale = again;
        }
        // Not tried, the entry being there (stale, or invalid): try it now.
        if (held === null) continue;
        if (typeof held !== 'number') {
          traced?.ended('lock');
          if (again && again.freshUntil > this.clock.now()) {
            await this.runs.release(held, key);
            countCall(this.events, call, !waited);
            return again.entry.value as T;
          }
          return this.serve(call, policy.graceMs > 0 ? again : undefined, startedMs, held);
        }
        // Held by another caller, who may already have written the value.
        if (again && again.freshUntil > this.clock.now()) {
          countCall(this.events, call, !waited);
          traced?.ended('value');
          return again.entry.value as T;
        }
        if (!waited) {
          waited = true;
          this.events.emit(cacheEvents.lockWait(key));
          if (lockWaitChannel.hasSubscribers) traced = new LockWaitTrace(call);
        }
        const elapsed = Date.now() - startedMs;
        const staleLimit = stale ? limitOf(policy.softTimeoutMs, policy.hardTimeoutMs) : Infinity;
        const hardLimit = policy.hardTimeoutMs === false ? Infinity : policy.hardTimeoutMs;
        const limit = Math.min(lock.waitMs, hardLimit, staleLimit);
        if (elapsed >= limit) {
          traced?.ended(stale ? 'stale' : 'timeout');
          if (stale) return this.serveStale(call, stale);
          if (hardLimit <= lock.waitMs) {
            countCall(this.events, call, false);
            this.events.emit(cacheEvents.factoryTimeout(key, true, false));
            throw new CacheFactoryTimeoutError(key, hardLimit);
          }
          this.events.emit(cacheEvents.lockTimeout(key, lock.waitMs));
          if (lock.onTimeout === 'throw') {
            countCall(this.events, call, false);
            throw new CacheLockTimeoutError(key, lock.waitMs);
          }
          return this.serve(call, undefined, startedMs);
        }
        const budget = Math.min(limit - elapsed, held + 5);
        if (this.bus.live) {
          // Woken by the holder's write, or when its lease would run out (it may have died).
          await watch.wait(budget);
        } else if (!(await this.bus.whenSubscribed(Math.min(budget, NO_PUBSUB_RECHECK_MS)))) {
          await watch.wait(Math.min(budget, NO_PUBSUB_RECHECK_MS));
        }
        const current = await this.reader.fromRedis(key, redisKey);
        if (current && current.freshUntil > this.clock.now()) {
          countCall(this.events, call, false);
          traced?.ended('value');
          return current.entry.value as T;
        }
        if (current && policy.graceMs > 0) stale = current;
      }
    } finally {
      watch.stop();
      traced?.ended(undefined);
    }
  }

  /**
   * `work` (by default a run here, under `held` if given) within the call's timeouts; `startedMs`:
   * real time, as the timeouts run on timers whatever the cache's clock says.
   */
  private async serve<T>(
    call: LookupCall<T>,
    stale: Found | undefined,
    startedMs: number,
    held?: HeldLock,
    work: Promise<T> = this.runs.start(call, stale, held),
  ): Promise<T> {
    const { key, policy } = call;
    const elapsed = Date.now() - startedMs;
    if (!stale) {
      countCall(this.events, call, false);
      if (policy.hardTimeoutMs === false) return work;
      const value = await within(work, policy.hardTimeoutMs - elapsed);
      if (value !== TIMED_OUT) return value;
      this.events.emit(cacheEvents.factoryTimeout(key, true, false));
      throw new CacheFactoryTimeoutError(key, policy.hardTimeoutMs);
    }
    const limit = limitOf(policy.softTimeoutMs, policy.hardTimeoutMs) - elapsed;
    let value: T | typeof TIMED_OUT = TIMED_OUT;
    try {
      if (limit > 0) value = await within(work, limit);
    } catch (error) {
      this.events.emit(cacheEvents.factoryError(key, error, true));
      this.logger.warn(
        `Factory for "${key}" failed; serving the stale value (fail-safe): ${describe(error)}`,
      );
      return this.serveStale(call, stale);
    }
    if (value !== TIMED_OUT) {
      countCall(this.events, call, false);
      return value;
    }
    const hard = policy.hardTimeoutMs !== false && Date.now() - startedMs >= policy.hardTimeoutMs;
    this.events.emit(cacheEvents.factoryTimeout(key, hard, true));
    return this.serveStale(call, stale);
  }

  private serveStale<T>(call: LookupCall<T>, stale: Found): T {
    countCall(this.events, call, true, true);
    return stale.entry.value as T;
  }
}

function limitOf(softMs: number | false, hardMs: number | false): number {
  return Math.min(softMs === false ? Infinity : softMs, hardMs === false ? Infinity : hardMs);
}

const TIMED_OUT = Symbol('timed out');

/** `work`'s value, or TIMED_OUT after `ms`; `work` keeps running either way. */
async function within<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  if (!Number.isFinite(ms)) return work;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms), TIMED_OUT);
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
