// Options that protect the origin: the distributed lock, grace, factory timeouts, early
// recomputation. Parsed once (module options at bootstrap, decorator options at decoration);
// per-call gaps fall back to the module's.
import { CacheConfigError } from '../errors/errors.js';
import {
  duration,
  knownOptions,
  MAX_TIMER_MS,
  mustBe,
  oneOf,
  optionPath,
} from '../options/option-kit.js';
import type { Ttl } from '../time/ttl.js';
import type {
  LockTimeoutFallback,
  ResolvedLock,
  ResiliencePolicy,
} from '../options/resolved-options.js';

export type { LockTimeoutFallback, ResiliencePolicy };

export interface LockOptions {
  /** How long a caller waits for another caller's computation of the same key. Default `'10s'`. */
  wait?: Ttl;
  /** Lock lease, renewed while the factory runs: a killed holder blocks the key at most this long. Default `'5s'`. */
  lease?: Ttl;
  /**
   * How long one holder keeps the lock at most: its lease is renewed until then and no further, so
   * a factory that never settles blocks its key for the rest of the fleet this long. Default `'60s'`.
   */
  maxHold?: Ttl;
  /** When the wait runs out and no stale value exists: `'compute'` anyway (default) or `'throw'` a `CacheLockTimeoutError`. */
  onTimeout?: LockTimeoutFallback;
}

/** The names of ResilienceOptions: per call (getOrSet, @Cacheable) and as module defaults. */
export const RESILIENCE_OPTION_NAMES: readonly string[] = [
  'lock',
  'grace',
  'graceBackoff',
  'timeout',
  'hardTimeout',
  'earlyRecompute',
];

/** Protection options shared by getOrSet/@Cacheable (per call) and RedisCacheModule (defaults). */
export interface ResilienceOptions {
  /** Distributed single flight: `true`, `false`, or lock settings. Default `true`. */
  lock?: boolean | LockOptions;
  /** How long after its TTL an entry may still be served stale while one refresh runs, and as fail-safe. Default `false` (off). */
  grace?: Ttl | false;
  /** After a failed refresh, how long the stale value is served as if fresh before the factory is tried again. Default `'10s'`. */
  graceBackoff?: Ttl;
  /** Soft timeout, only when a stale value exists: serve it after this long and let the factory finish in the background. `0` serves stale at once (default), `false` waits. */
  timeout?: Ttl | false;
  /** Give up waiting for the factory after this long: stale if any, else `CacheFactoryTimeoutError`. The factory still finishes and stores its value. Default `false`. */
  hardTimeout?: Ttl | false;
  /** XFetch early recomputation: `true` (beta 1), a beta > 0 (higher refreshes earlier), or `false` (default). */
  earlyRecompute?: boolean | number;
}

/** Per-call settings: an absent field means "the module's default". */
export interface ResolvedResilience {
  lock?: Partial<ResolvedLock> | false;
  graceMs?: number;
  graceBackoffMs?: number;
  softTimeoutMs?: number | false;
  hardTimeoutMs?: number | false;
  beta?: number;
}

const DEFAULT_POLICY: ResiliencePolicy = {
  lock: { waitMs: 10_000, leaseMs: 5_000, maxHoldMs: 60_000, onTimeout: 'compute' },
  graceMs: 0,
  graceBackoffMs: 10_000,
  softTimeoutMs: 0,
  hardTimeoutMs: false,
  beta: 0,
};

const LOCK_OPTION_NAMES = ['wait', 'lease', 'maxHold', 'onTimeout'];
const LOCK_TIMEOUT_FALLBACKS: readonly LockTimeoutFallback[] = ['compute', 'throw'];
const MIN_LEASE_MS = 100;

/** Parses the per-call options (getOrSet, @Cacheable); `where` prefixes option names in errors. */
export function resolveResilience(
  options: ResilienceOptions | undefined,
  where: string,
): ResolvedResilience {
  const resolved: ResolvedResilience = {};
  if (!options) return resolved;
  const name = (option: string) => optionPath(where, option);
  if (options.lock !== undefined) resolved.lock = parseLock(options.lock, name('lock'));
  if (options.grace !== undefined) resolved.graceMs = parseGrace(options.grace, name('grace'));
  if (options.graceBackoff !== undefined)
    resolved.graceBackoffMs = duration(options.graceBackoff, name('graceBackoff'), { min: 1 });
  if (options.timeout !== undefined)
    resolved.softTimeoutMs =
      options.timeout === false ? false : timer(options.timeout, name('timeout'), 0);
  if (options.hardTimeout !== undefined)
    resolved.hardTimeoutMs =
      options.hardTimeout === false ? false : timer(options.hardTimeout, name('hardTimeout'), 1);
  if (options.earlyRecompute !== undefined)
    resolved.beta = parseBeta(options.earlyRecompute, name('earlyRecompute'));
  return resolved;
}

/** Parses the module-level defaults (option names as given to forRoot). */
export function resolveDefaultPolicy(options: ResilienceOptions): ResiliencePolicy {
  return policyFor(resolveResilience(options, ''), DEFAULT_POLICY);
}

/** Fills the per-call gaps with the module's defaults. */
export function policyFor(call: ResolvedResilience, defaults: ResiliencePolicy): ResiliencePolicy {
  return {
    lock: call.lock === undefined ? defaults.lock : lockFor(call.lock, defaults.lock),
    graceMs: call.graceMs ?? defaults.graceMs,
    graceBackoffMs: call.graceBackoffMs ?? defaults.graceBackoffMs,
    softTimeoutMs: call.softTimeoutMs ?? defaults.softTimeoutMs,
    hardTimeoutMs: call.hardTimeoutMs ?? defaults.hardTimeoutMs,
    beta: call.beta ?? defaults.beta,
  };
}

function lockFor(
  call: Partial<ResolvedLock> | false,
  defaults: ResolvedLock | false,
): ResolvedLock | false {
  if (call === false) return false;
  const base = defaults || (DEFAULT_POLICY.lock as ResolvedLock);
  return {
    waitMs: call.waitMs ?? base.waitMs,
    leaseMs: call.leaseMs ?? base.leaseMs,
    maxHoldMs: call.maxHoldMs ?? base.maxHoldMs,
    onTimeout: call.onTimeout ?? base.onTimeout,
  };
}

function parseLock(value: unknown, where: string): Partial<ResolvedLock> | false {
  if (value === true) return {};
  if (value === false) return false;
  const lock = knownOptions(
    value,
    LOCK_OPTION_NAMES,
    where,
    'true, false or { wait?, lease?, maxHold?, onTimeout? }',
  ) as LockOptions;
  const resolved: Partial<ResolvedLock> = {};
  if (lock.wait !== undefined) resolved.waitMs = timer(lock.wait, `${where}.wait`, 0);
  if (lock.lease !== undefined)
    resolved.leaseMs = timer(lock.lease, `${where}.lease`, MIN_LEASE_MS);
  if (lock.maxHold !== undefined)
    resolved.maxHoldMs = timer(lock.maxHold, `${where}.maxHold`, MIN_LEASE_MS);
  if (lock.onTimeout !== undefined)
    resolved.onTimeout = oneOf(lock.onTimeout, LOCK_TIMEOUT_FALLBACKS, `${where}.onTimeout`);
  return resolved;
}

function parseGrace(value: unknown, where: string): number {
  return value === false ? 0 : duration(value, where);
}

/** A duration that drives a timer: at least `min` ms, at most the longest Node timer. */
function timer(value: unknown, where: string, min: number): number {
  return duration(value, where, { min, max: MAX_TIMER_MS });
}

function parseBeta(value: unknown, where: string): number {
  if (value === true) return 1;
  if (value === false) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new CacheConfigError(where, mustBe('true, false or a beta > 0', value));
  return value;
}
