// set()/mset() of entries of which some carry tags: their tags are reserved, then every entry and
// its tags are stored in one step (all or nothing on a single node), and tags created for a write
// that did not land are deleted again.
import type { RedisHealth } from '../redis/redis-health.js';
import type { TagVersions } from './tag-reservation.js';
import type { TagVersionStore } from './tag-version-store.js';

export interface TaggedWrite {
  redisKey: string;
  ttlMs: number;
  tags: readonly string[];
  /** The entry's bytes, recording these tag versions (undefined for an entry without tags). */
  assemble(versions: TagVersions | undefined): Buffer;
}

/** Resolves to true when written; false when skipped (Redis unavailable, or an invalidation won). */
export async function writeWithTags(
  store: TagVersionStore,
  health: RedisHealth,
  writes: readonly TaggedWrite[],
): Promise<boolean> {
  const reservation = await health.attempt(
    () => store.reserve(writes.flatMap((write) => write.tags)),
    'write',
  );
  if (!reservation) return false;
  try {
    const entries = writes.map(({ redisKey, ttlMs, tags, assemble }) => ({
      redisKey,
      ttlMs,
      tags,
      raw: assemble(tags.length > 0 ? reservation.versionsOf(tags) : undefined),
    }));
    return (await health.attempt(() => reservation.store(entries), 'write')) === true;
  } finally {
    await reservation.end(health);
  }
}
