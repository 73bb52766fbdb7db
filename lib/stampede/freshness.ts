// Freshness of a stored entry. Entries written with grace stay in Redis past their TTL (for
// stale-while-revalidate and fail-safe); outside getOrSet such a stale entry counts as absent:
// get() and mget() return undefined, has() false, ttl() undefined.
import type { EntryMeta } from '../codec/entry-codec.js';

export function isFresh(meta: EntryMeta | undefined, now = Date.now()): boolean {
  return meta?.f === undefined || meta.f > now;
}

/** Milliseconds of freshness left, when the entry records it (undefined: only Redis's TTL tells). */
export function freshMsLeft(meta: EntryMeta | undefined, now = Date.now()): number | undefined {
  return meta?.f === undefined ? undefined : meta.f - now;
}
