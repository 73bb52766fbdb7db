// XFetch (Vattani et al., "Optimal Probabilistic Cache Stampede Prevention", VLDB 2015): a hit on
// a hot key may start one background recomputation before expiry, the likelier the nearer expiry
// and the longer its factory took (`earlyRecompute` beta), so callers never see the miss. One per
// key in this process, one in the fleet with the lock; a failure is only logged (still fresh).
import type { CacheLogger } from '../events/cache-logger.js';
import type { EntryMeta } from '../codec/entry-codec.js';
import { CacheEvents } from '../events/cache-event-bus.js';
import { cacheEvents } from '../events/cache-events.js';
import { DistributedLock, type HeldLock } from '../stampede/distributed-lock.js';
import { EntryReader } from './entry-reader.js';
import { describe } from './single-flight.js';
import { FactoryRun } from './factory-run.js';
import type { LookupCall } from './lookup-request.js';

export class EarlyRecompute {
  private readonly pending = new Set<string>();

  constructor(
    private readonly locks: DistributedLock,
    private readonly reader: EntryReader,
    private readonly runs: FactoryRun,
    private readonly events: CacheEvents,
    private readonly logger: CacheLogger,
  ) {}

  consider<T>(call: LookupCall<T>, meta: EntryMeta | undefined, now: number): void {
    const { key, redisKey, policy } = call;
    if (policy.beta <= 0 || meta?.f === undefined || meta.d === undefined) return;
    if (this.runs.runningFor(redisKey) || this.pending.has(redisKey)) return;
    if (!shouldRecomputeEarly(now, meta.f, meta.d, policy.beta)) return;
    this.pending.add(redisKey);
    void this.recompute(call, meta.f)
      .catch((error: unknown) =>
        this.logger.warn(`Early recomputation of "${key}" failed: ${describe(error)}`),
      )
      .finally(() => this.pending.delete(redisKey));
  }

  private async recompute<T>(call: LookupCall<T>, freshUntil: number): Promise<void> {
    const { key, redisKey, policy } = call;
    let held: HeldLock | undefined;
    if (policy.lock) {
      const attempt = await this.locks.tryAcquire(key, redisKey, policy.lock);
      // Someone else is recomputing, or Redis cannot coordinate: the value is still fresh anyway.
      if (attempt === undefined || typeof attempt.lock !== 'object' || attempt.lock === null)
        return;
      held = attempt.lock;
      const again = attempt.entry ? await this.reader.found(key, attempt.entry) : undefined;
      if (again && (again.entry.meta?.f ?? 0) > freshUntil) {
        await this.runs.release(held, key);
        return;
      }
    }
    if (this.runs.runningFor(redisKey)) {
      if (held) await this.runs.release(held, key);
      return;
    }
    this.events.emit(cacheEvents.earlyRecompute(key));
    await this.runs.start(call, undefined, held);
  }
}

/** now - delta * beta * ln(random) >= expiry: one draw per hit, no state. `random` is in (0, 1]. */
export function shouldRecomputeEarly(
  now: number,
  freshUntil: number,
  deltaMs: number,
  beta: number,
  random: number = 1 - Math.random(),
): boolean {
  return now - deltaMs * beta * Math.log(random) >= freshUntil;
}
