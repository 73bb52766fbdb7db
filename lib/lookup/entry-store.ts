// The one way an entry reaches Redis, for set()/mset() and for a computed value alike: with its
// tags (versions reserved before the value was assembled, stored in one step with it, all or
// nothing on a single node), under a held stampede lock (written and released in one step), or
// plainly (one SET; several as one MULTI on a single node, one SET each on Cluster).
import type { Redis } from 'ioredis';
import type { RedisConnection } from '../redis/redis-connection.js';
import { setEntry } from '../redis/set-entry.js';
import type { DistributedLock, HeldLock } from '../stampede/distributed-lock.js';
import type { TagReservation, TaggedEntry } from '../tags/tag-reservation.js';
import type { TagVersionStore } from '../tags/tag-version-store.js';

export class EntryStore {
  constructor(
    private readonly connection: RedisConnection,
    private readonly tags: TagVersionStore,
    private readonly locks: DistributedLock,
  ) {}

  /** Reserves the versions of tags about to be written; undefined while Redis is unavailable. */
  reserve(tags: readonly string[]): Promise<TagReservation | undefined> {
    return this.connection.health.attempt(() => this.tags.reserve(tags), 'write');
  }

  /**
   * Stores the entries: undefined when nothing landed (Redis unavailable, or an invalidation of
   * one of their tags won); else whether anybody waited for `held` (always false without one).
   * A lock held over a tagged entry is not released here: its owner releases it after.
   */
  store(
    entries: readonly TaggedEntry[],
    { reservation, held }: { reservation?: TagReservation; held?: HeldLock } = {},
  ): Promise<boolean | undefined> {
    const [first] = entries;
    const key = entries.length === 1 ? first.redisKey : undefined;
    if (reservation)
      return this.write(async () => ((await reservation.store(entries)) ? false : undefined), key);
    if (held) return this.locks.writeAndRelease(held, first.redisKey, first.raw, first.ttlMs);
    return this.write(() => this.send(entries).then(() => false), first.redisKey);
  }

  private send(entries: readonly TaggedEntry[]): Promise<unknown> {
    const { client, isCluster } = this.connection;
    if (entries.length === 1 || isCluster)
      return Promise.all(entries.map((e) => setEntry(client, e.redisKey, e.raw, e.ttlMs)));
    const transaction = (client as Redis).multi();
    for (const { redisKey, raw, ttlMs } of entries)
      if (ttlMs > 0) transaction.set(redisKey, raw, 'PX', ttlMs);
      else transaction.set(redisKey, raw);
    return transaction.exec();
  }

  private write<T>(operation: () => Promise<T>, key?: string): Promise<T | undefined> {
    return this.connection.health.attempt(operation, 'write', key);
  }
}
