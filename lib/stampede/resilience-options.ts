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
export interface ResolvedResilience extends Partial<Omit<ResiliencePolicy, 'lock'>> {
  lock?: Partial<ResolvedLock> | false;
}

const DEFAULT_POLICY: ResiliencePolicy = {
  lock: { waitMs: 10_000, leaseMs: 5_000, maxHoldMs: 60_000, onTimeout: 'compute' },
  graceMs: 0,
  graceBackoffMs: 10_000,
  softTimeoutMs: 0,
  hardTimeoutMs: false,
  beta: 0,
};
const LOCK_TIMEOUT_FALLBACKS: readonly LockTimeoutFallback[] = ['compute', 'throw'];
const MIN_LEASE_MS = 100;

type Read = (value: unknown, option: string) => unknown;
/** An option's name, the resolved field it sets, and how its value is read. */
type Field = readonly [name: string, field: string, read: Read];

const LOCK_FIELDS: readonly Field[] = [
  ['wait', 'waitMs', (value, option) => timer(value, option, 0)],
  ['lease', 'leaseMs', (value, option) => timer(value, option, MIN_LEASE_MS)],
  ['maxHold', 'maxHoldMs', (value, option) => timer(value, option, MIN_LEASE_MS)],
  ['onTimeout', 'onTimeout', (value, option) => oneOf(value, LOCK_TIMEOUT_FALLBACKS, option)],
];

const LOCK_OPTION_NAMES = LOCK_FIELDS.map(([name]) => name);

const RESILIENCE_FIELDS: readonly Field[] = [
  ['lock', 'lock', parseLock],
  ['grace', 'graceMs', (value, option) => (value === false ? 0 : duration(value, option))],
  ['graceBackoff', 'graceBackoffMs', (value, option) => duration(value, option, { min: 1 })],
  ['timeout', 'softTimeoutMs', (value, option) => timerOrFalse(value, option, 0)],
  ['hardTimeout', 'hardTimeoutMs', (value, option) => timerOrFalse(value, option, 1)],
  ['earlyRecompute', 'beta', parseBeta],
];

/** The names of ResilienceOptions: per call (getOrSet, @Cacheable) and as module defaults. */
export const RESILIENCE_OPTION_NAMES: readonly string[] = RESILIENCE_FIELDS.map(([name]) => name);

/**
 * Parses the per-call options (getOrSet, @Cacheable); `where` prefixes option names in errors.
 * Undefined when none is set, so such lookups use the module's policy as is.
 */
export function resolveResilience(
  options: ResilienceOptions | undefined,
  where: string,
): ResolvedResilience | undefined {
  const resolved = options && readFields<ResolvedResilience>(options, RESILIENCE_FIELDS, where);
  return resolved && Object.keys(resolved).length > 0 ? resolved : undefined;
}

/** Parses the module-level defaults (option names as given to forRoot). */
export function resolveDefaultPolicy(options: ResilienceOptions): ResiliencePolicy {
  return policyFor(resolveResilience(options, '') ?? {}, DEFAULT_POLICY);
}

/** Fills the per-call gaps with the module's defaults. */
export function policyFor(call: ResolvedResilience, defaults: ResiliencePolicy): ResiliencePolicy {
  const base = defaults.lock || (DEFAULT_POLICY.lock as ResolvedLock);
  const lock = call.lock === undefined ? defaults.lock : call.lock && { ...base, ...call.lock };
  return { ...defaults, ...call, lock };
}

/** The options of `fields` that are set, each read into its resolved field. */
function readFields<T>(options: object, fields: readonly Field[], where: string): T {
  const resolved: Record<string, unknown> = {};
  for (const [name, field, read] of fields) {
    const value = (options as Record<string, unknown>)[name];
    if (value !== undefined) resolved[field] = read(value, optionPath(where, name));
  }
  return resolved as T;
}

function parseLock(value: unknown, where: string): Partial<ResolvedLock> | false {
  if (value === true) return {};
  if (value === false) return false;
  const lock = knownOptions(
    value,
    LOCK_OPTION_NAMES,
    where,
    'true, false or { wait?, lease?, maxHold?, onTimeout? }',
  );
  return readFields(lock, LOCK_FIELDS, where);
}

/** A duration that drives a timer: at least `min` ms, at most the longest Node timer. */
function timer(value: unknown, where: string, min: number): number {
  return duration(value, where, { min, max: MAX_TIMER_MS });
}

function timerOrFalse(value: unknown, where: string, min: number): number | false {
  return value === false ? false : timer(value, where, min);
}

function parseBeta(value: unknown, where: string): number {
  if (value === true) return 1;
  if (value === false) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new CacheConfigError(where, mustBe('true, false or a beta > 0', value));
  return value;
}
