// What a lookup is asked to do, in the form the read path runs on: the call's options validated
// into milliseconds, and the context of the decorated method it runs for. Declared here, beside
// the read path, so the service (above) hands them down and nothing here imports upward.
import type { ResolvedResilience } from '../stampede/resilience-options.js';

/** getOrSet options validated into milliseconds. @internal */
export interface ResolvedGetOrSet {
  ttlMs: number;
  tags: string[];
  /** Protection settings given for this call; the module's fill the gaps at lookup. */
  resilience?: ResolvedResilience;
  /** undefined: module default; false: off; true: module L1 TTL; number: L1 TTL in ms. */
  l1?: number | boolean;
}

/** Per-call context of a lookup made on behalf of a decorated method. @internal */
export interface LookupContext {
  /** `ClassName.method`, for per-method statistics. */
  method?: string;
  /** Return false to hand the value back without storing it (`unless`, `cacheNull: false`). */
  shouldStore?: (value: unknown) => boolean;
  /** Told whether the lookup was a hit, so callers sharing it (single flight) count the same. */
  onOutcome?: (hit: boolean) => void;
  /**
   * The caller found no entry in Redis just now (CacheLookup.peek answered ABSENT): the lookup
   * skips its plain read and lets the lock attempt read the entry, one round trip less.
   */
  seenAbsent?: boolean;
}
