// What a caller gets while a factory runs: its value, or, once the soft timeout passes (or the
// factory fails) and a stale value is at hand, the stale value (fail-safe) while the factory
// finishes in the background; without a stale value, a CacheFactoryTimeoutError after the hard
// timeout.
import type { CacheLogger } from '../events/cache-logger.js';
import { CacheFactoryTimeoutError } from '../errors/factory-timeout.error.js';
import { CacheEvents } from '../events/cache-event-bus.js';
import { cacheEvents } from '../events/cache-events.js';
import { countCall, type Found, type LookupCall } from './lookup-request.js';

type Outcome<T> =
  { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

export class FailSafe {
  constructor(
    private readonly events: CacheEvents,
    private readonly logger: CacheLogger,
  ) {}

  /**
   * A computation's outcome, or the stale value when it fails or is slow. `startedMs`: the
   * lookup's start in real time (the timeouts run on timers, whatever the cache's clock says).
   */
  async serve<T>(
    call: LookupCall<T>,
    work: Promise<T>,
    stale: Found | undefined,
    startedMs: number,
  ): Promise<T> {
    const { key, policy } = call;
    const elapsed = Date.now() - startedMs;
    if (!stale) {
      countCall(this.events, call, false);
      if (policy.hardTimeoutMs === false) return work;
      const outcome = await settleWithin(work, policy.hardTimeoutMs - elapsed);
      if (outcome.kind === 'value') return outcome.value;
      if (outcome.kind === 'error') throw outcome.error;
      this.events.emit(cacheEvents.factoryTimeout(key, true, false));
      throw new CacheFactoryTimeoutError(key, policy.hardTimeoutMs);
    }
    const limit = limitOf(policy.softTimeoutMs, policy.hardTimeoutMs) - elapsed;
    const outcome: Outcome<T> = limit <= 0 ? { kind: 'timeout' } : await settleWithin(work, limit);
    if (outcome.kind === 'value') {
      countCall(this.events, call, false);
      return outcome.value;
    }
    if (outcome.kind === 'error') {
      this.events.emit(cacheEvents.factoryError(key, outcome.error, true));
      this.logger.warn(
        `Factory for "${key}" failed; serving the stale value (fail-safe): ${describe(outcome.error)}`,
      );
    } else {
      const hard = policy.hardTimeoutMs !== false && Date.now() - startedMs >= policy.hardTimeoutMs;
      this.events.emit(cacheEvents.factoryTimeout(key, hard, true));
    }
    return this.serveStale(call, stale);
  }

  serveStale<T>(call: LookupCall<T>, stale: Found): T {
    countCall(this.events, call, true, true);
    return stale.entry.value as T;
  }
}

/** The earlier of a soft and a hard timeout, Infinity for none. */
export function limitOf(softMs: number | false, hardMs: number | false): number {
  return Math.min(softMs === false ? Infinity : softMs, hardMs === false ? Infinity : hardMs);
}

/** The outcome of `work`, or timeout after `ms`; `work` keeps running either way. */
function settleWithin<T>(work: Promise<T>, ms: number): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    const timer = Number.isFinite(ms)
      ? setTimeout(() => resolve({ kind: 'timeout' }), Math.max(0, ms))
      : undefined;
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve({ kind: 'value', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'error', error });
      },
    );
  });
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
