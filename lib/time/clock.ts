// The clock of the library's own time decisions (freshness, grace, L1 TTL, Redis retry, Age), so
// tests move time instead of sleeping. Redis's own expiry (PX, leases) and waits on timers (factory
// timeouts, lock waits, command timeouts, write-behind pace) stay on real time.

/** Epoch milliseconds, read wherever the library decides by time. */
export interface CacheClock {
  /** The current time in epoch milliseconds, like `Date.now()`. Called on every read: keep it cheap. */
  now(): number;
}

/** The real clock (the default): `Date.now`, called directly, with nothing in between. */
export const systemClock: CacheClock = Object.freeze({ now: Date.now });

/** Whether this is the default clock: only then may the library leave timekeeping to others (lru-cache). */
export function isSystemClock(clock: CacheClock): boolean {
  return clock === systemClock;
}

/**
 * A clock that stands still until told to move, for tests: `advance(5 * 60_000)` and every entry
 * written with a 5-minute TTL is stale, without waiting. Redis's own expiry still runs on real
 * time (an entry is kept in Redis for its TTL plus grace); the library records every entry's
 * fresh-until under a clock like this one, so reads follow the clock, not Redis.
 */
export class ManualClock implements CacheClock {
  private current: number;

  /** `start`: epoch ms (or a Date) the clock shows at first. Default: the real time now. */
  constructor(start: number | Date = Date.now()) {
    this.current = ManualClock.epochMs(start, 'start');
  }

  now(): number {
    return this.current;
  }

  /** Moves the clock forward by `ms` milliseconds (0 or more); returns the new time. */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`ManualClock.advance(ms): ms must be a finite number >= 0, got ${ms}`);
    this.current += ms;
    return this.current;
  }

  /** Sets the clock to `time` (epoch ms or a Date), forward or back; returns the new time. */
  set(time: number | Date): number {
    this.current = ManualClock.epochMs(time, 'set(time)');
    return this.current;
  }

  private static epochMs(time: number | Date, what: string): number {
    const ms = time instanceof Date ? time.getTime() : time;
    if (typeof ms !== 'number' || !Number.isFinite(ms))
      throw new RangeError(
        `ManualClock ${what}: must be epoch milliseconds or a valid Date, got ${String(time)}`,
      );
    return ms;
  }
}
