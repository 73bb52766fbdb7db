// What a lookup is asked to do (options in milliseconds, the decorated method's context), declared
// here so the layers above hand them down without an upward import, and the records the parts of
// the read path pass each other.
import type { DecodedEntry } from '../codec/entry-codec.js';
import type { CacheEvents } from '../events/cache-event-bus.js';
import type { CacheFactoryContext } from './factory-context.js';
import { traceOutcome, type LookupTraceContext } from '../events/tracing-channels.js';
import type { ResiliencePolicy, ResolvedResilience } from '../stampede/resilience-options.js';

/** getOrSet options validated into milliseconds. @internal */
export interface ResolvedGetOrSet {
  ttlMs: number;
  /** The TTL of a `null` result (negative caching); undefined: `ttlMs`. */
  nullTtlMs?: number;
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
  /**
   * The caller found no entry in Redis just now (CacheLookup.peek answered ABSENT): the lookup
   * skips its plain read and lets the lock attempt read the entry, one round trip less.
   */
  seenAbsent?: boolean;
}

/** An entry read from Redis, with the bytes it was read as (for compare-and-set). */
export interface Found {
  raw: Buffer;
  entry: DecodedEntry;
  /** Epoch ms; Infinity when the entry records no freshness (only Redis's TTL ends it). */
  freshUntil: number;
}

export type { Factory } from './factory-context.js';

export interface LookupCall<T> {
  key: string;
  redisKey: string;
  /** A method: compared bivariantly, so a call of any T passes where LookupCall<unknown> goes. */
  factory(context: CacheFactoryContext<T>): T | Promise<T>;
  options: ResolvedGetOrSet;
  /** The module's protection defaults with this call's options on top. */
  policy: ResiliencePolicy;
  context: LookupContext | undefined;
  /** L1 TTL of this call in ms; 0 when it does not use L1. */
  l1TtlMs: number;
  /** How the call was counted (set when it is): callers sharing it count the same. */
  hit?: boolean;
  /** The lookup channel's context, when the call is traced (tracing-channels.ts). */
  trace?: LookupTraceContext;
}

/** Counts a getOrSet call as one hit (from Redis) or one miss, and records which on the call. */
export function countCall(
  events: CacheEvents,
  call: LookupCall<unknown>,
  hit: boolean,
  stale = false,
): void {
  call.hit = hit;
  if (call.trace) traceOutcome(call.trace, hit, 'redis', stale);
  if (hit) events.hit(call.key, 'redis', call.context?.method, stale);
  else events.miss(call.key, call.context?.method);
}
