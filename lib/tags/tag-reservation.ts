// The tags of one write in progress: versions read before the factory runs (a missing tag created
// with a short renewed lease, so an invalidation meanwhile wins), then stored with the entry in one
// step, or the tag keys it created deleted: no tag key outlives its entries by more than a lease.
import type { Cluster, Redis } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import { LuaScript } from '../redis/lua-script.js';
import type { RedisHealth } from '../redis/redis-health.js';
import { setEntry } from '../redis/set-entry.js';

const renewTags = LuaScript.load('renew-tags');
const abandonTags = LuaScript.load('abandon-tags');
const storeTagged = LuaScript.load('store-tagged');

/** Short: bounds how long a lookup that died mid-way leaves the tags it created behind. */
export const TAG_LEASE_MS = 5_000;

export type TagVersions = Record<string, string>;

export interface TaggedEntry {
  redisKey: string;
  raw: Buffer;
  /** 0: no expiry. */
  ttlMs: number;
  tags: readonly string[];
}

export interface ReservedTag {
  tag: string;
  redisKey: string;
  version: string;
  created: boolean;
}

export class TagReservation {
  private renewal?: NodeJS.Timeout;
  private stored = false;
  private ended?: Promise<void>;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly isCluster: boolean,
    private readonly reserved: ReservedTag[],
  ) {
    if (reserved.some((r) => r.created)) {
      this.renewal = setInterval(() => void this.renew(), Math.floor(TAG_LEASE_MS / 3));
      this.renewal.unref();
    }
  }

  /**
   * This reservation and `later` (tags the factory added) as one: stored in one step, ended
   * together.
   */
  joined(later: TagReservation): TagReservation {
    this.stopRenewal();
    later.stopRenewal();
    return new TagReservation(this.client, this.isCluster, [...this.reserved, ...later.reserved]);
  }

  /** The version of each reserved tag, to record in the entries written under them. */
  get versions(): TagVersions {
    return this.versionsOf(this.reserved.map((r) => r.tag));
  }

  /** The versions of `tags` (reserved ones), for one entry's metadata. */
  versionsOf(tags: readonly string[]): TagVersions {
    const versions: TagVersions = {};
    for (const tag of tags) versions[tag] = this.reserved.find((r) => r.tag === tag)!.version;
    return versions;
  }

  /**
   * Stores the entries and confirms their tags: true when written, false when a tag changed since
   * it was read (invalidated meanwhile: nothing is written). Throws when Redis fails.
   */
  async store(entries: readonly TaggedEntry[]): Promise<boolean> {
    this.stopRenewal();
    const ttlByTag = new Map<string, number>();
    for (const { tags, ttlMs } of entries) {
      for (const tag of tags) {
        const known = ttlByTag.get(tag);
        // 0 is "no expiry": it outlives any TTL.
        ttlByTag.set(
          tag,
          known === undefined ? ttlMs : known === 0 || ttlMs === 0 ? 0 : Math.max(known, ttlMs),
        );
      }
    }
    const tags = this.reserved.filter((r) => ttlByTag.has(r.tag));
    const run = (entryGroup: readonly TaggedEntry[], tagGroup: readonly ReservedTag[]) =>
      storeTagged.run(
        this.client,
        [...entryGroup.map((e) => e.redisKey), ...tagGroup.map((t) => t.redisKey)],
        [
          TAG_LEASE_MS,
          entryGroup.length,
          ...entryGroup.flatMap((e) => [e.raw, e.ttlMs]),
          ...tagGroup.flatMap((t) => [t.version, ttlByTag.get(t.tag)!, t.created ? '1' : '0']),
        ],
      ) as Promise<number>;
    const everyKey = [...entries.map((e) => e.redisKey), ...tags.map((t) => t.redisKey)];
    if (!this.isCluster || new Set(everyKey.map((key) => calculateSlot(key))).size === 1) {
      this.stored = (await run(entries, tags)) === 1;
      return this.stored;
    }
    // Cluster, keys in several slots: one step per slot for the tags, then the entries. Not one
    // step: a failure in between can leave a confirmed tag without its entry (until its TTL).
    const slots = bySlot(true, tags, (t) => t.redisKey);
    const confirmed = await Promise.all(slots.map((group) => run([], group)));
    if (confirmed.some((reply) => reply !== 1)) return false;
    await Promise.all(entries.map((e) => setEntry(this.client, e.redisKey, e.raw, e.ttlMs)));
    this.stored = true;
    return true;
  }

  /**
   * Ends the reservation: unless stored, the tag keys it created are deleted (through `health`:
   * skipped while Redis is unavailable, when they simply expire with their lease). Never throws.
   */
  end(health: RedisHealth): Promise<void> {
    this.stopRenewal();
    if (!this.ended)
      this.ended = this.stored
        ? Promise.resolve()
        : health.attempt(() => this.onCreated(abandonTags), 'write').then(() => undefined);
    return this.ended;
  }

  private renew(): Promise<unknown> {
    // A failed renewal only risks the store finding its tag gone.
    return this.onCreated(renewTags).catch(() => undefined);
  }

  /** Runs `script` over the tag keys this reservation created, one call per slot. */
  private onCreated(script: LuaScript): Promise<unknown> {
    const created = this.reserved.filter((r) => r.created);
    return Promise.all(
      bySlot(this.isCluster, created, (r) => r.redisKey).map((group) =>
        script.run(
          this.client,
          group.map((r) => r.redisKey),
          [TAG_LEASE_MS, ...group.map((r) => r.version)],
        ),
      ),
    );
  }

  private stopRenewal(): void {
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = undefined;
  }
}

/** `items` grouped by the hash slot of their key (one group when not on Cluster). */
export function bySlot<T>(isCluster: boolean, items: T[], keyOf: (item: T) => string): T[][] {
  if (items.length === 0) return [];
  if (!isCluster) return [items];
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const slot = calculateSlot(keyOf(item));
    const group = groups.get(slot);
    if (group) group.push(item);
    else groups.set(slot, [item]);
  }
  return [...groups.values()];
}
