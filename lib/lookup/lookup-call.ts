// The records the parts of the lookup pass each other: an entry as read from Redis, and one
// getOrSet call with everything its steps need.
import type { DecodedEntry } from '../codec/entry-codec.js';
import type { LookupContext, ResolvedGetOrSet } from './lookup-request.js';
import type { ResiliencePolicy } from '../stampede/resilience-options.js';

/** An entry read from Redis, with the bytes it was read as (for compare-and-set). */
export interface Found {
  raw: Buffer;
  entry: DecodedEntry;
  /** Epoch ms; Infinity when the entry records no freshness (only Redis's TTL ends it). */
  freshUntil: number;
}

export type Factory<T> = () => T | Promise<T>;

/** One getOrSet call as the lookup runs it. */
export interface LookupCall<T> {
  key: string;
  redisKey: string;
  factory: Factory<T>;
  options: ResolvedGetOrSet;
  /** The module's protection defaults with this call's options on top. */
  policy: ResiliencePolicy;
  context: LookupContext | undefined;
  /** L1 TTL of this call in ms; 0 when it does not use L1. */
  l1TtlMs: number;
  /** How the call was counted (set when it is): callers sharing it count the same. */
  hit?: boolean;
}
