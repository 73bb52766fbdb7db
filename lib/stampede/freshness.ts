// Freshness of a stored entry. Entries written with grace stay in Redis past their TTL (for
// stale-while-revalidate and fail-safe); outside getOrSet such a stale entry counts as absent:
// get() and mget() return undefined, has() false, ttl() undefined. `now` is the cache's clock.
import type { EntryMeta } from '../codec/entry-codec.js';

/** Milliseconds of freshness left at `now`, when the entry records it (undefined: only Redis's TTL tells). */
export function freshMsLeft(meta: EntryMeta | undefined, now: number): number | undefined {
  return meta?.f === undefined ? undefined : meta.f - now;
}
