// Options that protect the origin: the distributed lock (one computation per key in the fleet),
// grace (stale-while-revalidate and fail-safe), factory timeouts, early recomputation, and the
// per-call use of the in-process L1. Each is parsed once (module options at bootstrap, decorator
// options at decoration) into milliseconds; per-call values left out fall back to the module's.
import { CacheConfigError } from '../errors/cache-config.error.js';
import { parseTtl, type Ttl } from '../time/ttl.js';

export interface LockOptions {
  /** How long a caller waits for another caller's computation of the same key. Default `'10s'`. */
  wait?: Ttl;
  /** Lock lease, renewed while the factory runs: a killed holder blocks the key at most this long. Default `'5s'`. */
  lease?: Ttl;
  /** When the wait runs out and no stale value exists: `'compute'` anyway (default) or `'throw'` a `CacheLockTimeoutError`. */
  onTimeout?: LockTimeoutFallback;
}

export type LockTimeoutFallback = 'compute' | 'throw';

/** The names of ResilienceOptions: per call (getOrSet, @Cacheable) and as module defaults. */
export const RESILIENCE_OPTION_NAMES: readonly string[] = [
  'lock',
  'grace',
  'staleTtl',
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
  /** Another name for `grace` (stale-while-revalidate period); give one or the other. */
  staleTtl?: Ttl | false;
  /** After a failed refresh, how long the stale value is served as if fresh before the factory is tried again. Default `'10s'`. */
  graceBackoff?: Ttl;
  /** Soft timeout, only when a stale value exists: serve it after this long and let the factory finish in the background. `0` serves stale at once (default), `false` waits. */
  timeout?: Ttl | false;
  /** Give up waiting for the factory after this long: stale if any, else `CacheFactoryTimeoutError`. The factory still finishes and stores its value. Default `false`. */
  hardTimeout?: Ttl | false;
  /** XFetch early recomputation: `true` (beta 1), a beta > 0 (higher refreshes earlier), or `false` (default). */
  earlyRecompute?: boolean | number;
}

export interface ResolvedLock {
  waitMs: number;
  leaseMs: number;
  onTimeout: LockTimeoutFallback;
}

/** The effective protection settings of one lookup. */
export interface ResiliencePolicy {
  lock: ResolvedLock | false;
  graceMs: number;
  graceBackoffMs: number;
  /** false: no soft timeout. */
  softTimeoutMs: number | false;
  hardTimeoutMs: number | false;
  beta: number;
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

export const DEFAULT_POLICY: ResiliencePolicy = {
  lock: { waitMs: 10_000, leaseMs: 5_000, onTimeout: 'compute' },
  graceMs: 0,
  graceBackoffMs: 10_000,
  softTimeoutMs: 0,
  hardTimeoutMs: false,
  beta: 0,
};

const LOCK_KEYS = new Set(['wait', 'lease', 'onTimeout']);
const MIN_LEASE_MS = 100;

/** Parses the per-call options (getOrSet, @Cacheable); `where` prefixes option names in errors. */
export function resolveResilience(
  options: ResilienceOptions | undefined,
  where: string,
): ResolvedResilience {
  const resolved: ResolvedResilience = {};
  if (!options) return resolved;
  const name = (option: string) => (where ? `${where}.${option}` : option);
  if (options.lock !== undefined) resolved.lock = parseLock(options.lock, name('lock'));
  if (options.grace !== undefined && options.staleTtl !== undefined)
    throw new CacheConfigError(name('staleTtl'), 'is another name for grace: give one of them');
  if (options.grace !== undefined) resolved.graceMs = parseGrace(options.grace, name('grace'));
  if (options.staleTtl !== undefined)
    resolved.graceMs = parseGrace(options.staleTtl, name('staleTtl'));
  if (options.graceBackoff !== undefined)
    resolved.graceBackoffMs = positive(options.graceBackoff, name('graceBackoff'));
  if (options.timeout !== undefined)
    resolved.softTimeoutMs =
      options.timeout === false ? false : timerTtl(options.timeout, name('timeout'));
  if (options.hardTimeout !== undefined)
    resolved.hardTimeoutMs =
      options.hardTimeout === false
        ? false
        : nonZero(timerTtl(options.hardTimeout, name('hardTimeout')), name('hardTimeout'));
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
    onTimeout: call.onTimeout ?? base.onTimeout,
  };
}

function parseLock(value: unknown, where: string): Partial<ResolvedLock> | false {
  if (value === true) return {};
  if (value === false) return false;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CacheConfigError(where, 'must be true, false or { wait?, lease?, onTimeout? }');
  const lock = value as LockOptions;
  for (const name of Object.keys(lock)) {
    if (!LOCK_KEYS.has(name))
      throw new CacheConfigError(
        `${where}.${name}`,
        'is not a lock option (wait, lease, onTimeout)',
      );
  }
  const resolved: Partial<ResolvedLock> = {};
  if (lock.wait !== undefined) resolved.waitMs = timerTtl(lock.wait, `${where}.wait`);
  if (lock.lease !== undefined) {
    resolved.leaseMs = timerTtl(lock.lease, `${where}.lease`);
    if (resolved.leaseMs < MIN_LEASE_MS)
      throw new CacheConfigError(`${where}.lease`, `must be at least ${MIN_LEASE_MS}ms`);
  }
  if (lock.onTimeout !== undefined) {
    if (lock.onTimeout !== 'compute' && lock.onTimeout !== 'throw')
      throw new CacheConfigError(
        `${where}.onTimeout`,
        `must be 'compute' or 'throw', got ${JSON.stringify(lock.onTimeout)}`,
      );
    resolved.onTimeout = lock.onTimeout;
  }
  return resolved;
}

function parseGrace(value: unknown, where: string): number {
  return value === false ? 0 : parseTtl(value, where);
}

function positive(value: unknown, where: string): number {
  return nonZero(parseTtl(value, where), where);
}

function nonZero(ms: number, where: string): number {
  if (ms === 0) throw new CacheConfigError(where, 'must be greater than 0');
  return ms;
}

// Node runs a timer longer than 2^31 - 1 ms (24.8 days) at once: a lease renewed every 1 ms, a
// timeout that fires immediately. Durations that drive timers are held below it.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A duration used for a timer, in ms; at most ~24 days. */
function timerTtl(value: unknown, where: string): number {
  const ms = parseTtl(value, where);
  if (ms > MAX_TIMER_MS)
    throw new CacheConfigError(where, 'must be at most 24 days (the longest Node timer)');
  return ms;
}

function parseBeta(value: unknown, where: string): number {
  if (value === true) return 1;
  if (value === false) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new CacheConfigError(where, `must be true, false or a beta > 0, got ${String(value)}`);
  return value;
}
