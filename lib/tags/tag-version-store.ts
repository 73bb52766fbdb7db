// Lazy, O(1) tag invalidation. Each tag has a version key; an entry records the versions of its
// tags when written and is a miss once any of them changed or vanished. Invalidating a tag is one
// UNLINK, whatever number of entries carry it: nothing scans the keyspace, nothing is kept per
// entry (so nothing leaks when entries expire), and every script touches keys of one hash slot,
// so it works on Redis Cluster. A tag key is created only for an entry stored under it (or, for a
// few seconds, for one being computed) and lives as long as the longest entry stored under it.
import type { Cluster, Redis } from 'ioredis';
import type { KeySpace } from '../keys/key-space.js';
import { uniqueTokens } from '../keys/unique-token.js';
import { LuaScript } from '../redis/lua-script.js';
import { bySlot, TAG_LEASE_MS, TagReservation, type TagVersions } from './tag-reservation.js';

const reserveTags = LuaScript.load('reserve-tags');

export type { TagVersions } from './tag-reservation.js';
/** Current versions already read, by tag (undefined: the tag key is absent). */
export type KnownTagVersions = Map<string, string | undefined>;

export class TagVersionStore {
  // Versions only need to differ from every earlier version of the same tag. A short prefix:
  // every tagged entry records its tags' versions.
  private readonly nextVersion = uniqueTokens(6);

  constructor(
    private readonly client: Redis | Cluster,
    private readonly isCluster: boolean,
    /** Also validates the tags a factory sets (factory-context.ts). */
    readonly keys: KeySpace,
  ) {}

  /** The current version of each tag (undefined where the tag key is absent), in one MGET per slot. */
  async current(tags: readonly string[]): Promise<(string | undefined)[]> {
    if (tags.length === 0) return [];
    const redisKeys = tags.map((tag) => this.keys.tag(tag));
    // One server: one MGET, its answers in order (tagged reads pay for no Map).
    if (!this.isCluster)
      return (await this.client.mget(redisKeys)).map((value) => value ?? undefined);
    const found = new Map<string, string | null>();
    await Promise.all(
      bySlot(this.isCluster, redisKeys, (key) => key).map(async (group) => {
        const values = await this.client.mget(group);
        group.forEach((key, i) => found.set(key, values[i]));
      }),
    );
    return redisKeys.map((key) => found.get(key) ?? undefined);
  }

  /**
   * Reserves the tags of an entry before its value is computed (an invalidation meanwhile then
   * wins); end the reservation whatever happens (tag-reservation.ts).
   */
  async reserve(tags: readonly string[]): Promise<TagReservation> {
    const reserved = [...new Set(tags)].map((tag) => ({
      tag,
      redisKey: this.keys.tag(tag),
      version: this.nextVersion(),
      created: false,
    }));
    // Reads each version, or where missing, creates the fresh one with a lease.
    await Promise.all(
      bySlot(this.isCluster, reserved, (r) => r.redisKey).map(async (group) => {
        const replies = (await reserveTags.run(
          this.client,
          group.map((r) => r.redisKey),
          [TAG_LEASE_MS, ...group.map((r) => r.version)],
        )) as [string, number][];
        replies.forEach(([version, created], i) =>
          Object.assign(group[i], { version, created: created === 1 }),
        );
      }),
    );
    return new TagReservation(this.client, this.isCluster, reserved);
  }

  /** True when every recorded tag still has the version the entry was written under. */
  async stillValid(recorded: TagVersions, known?: KnownTagVersions): Promise<boolean> {
    const tags = Object.keys(recorded);
    // Versions fetched alongside the entry (the caller knew its tags) need no second round trip.
    const missing = known ? tags.filter((tag) => !known.has(tag)) : tags;
    const fetched = missing.length > 0 ? await this.current(missing) : [];
    const versionOf = (tag: string) =>
      known?.has(tag) ? known.get(tag) : fetched[missing.indexOf(tag)];
    return tags.every((tag) => versionOf(tag) === recorded[tag]);
  }

  async invalidate(tags: readonly string[]): Promise<void> {
    const redisKeys = [...new Set(tags)].map((tag) => this.keys.tag(tag));
    if (redisKeys.length === 0) return;
    if (this.isCluster) await Promise.all(redisKeys.map((key) => this.client.unlink(key)));
    else await this.client.unlink(...redisKeys);
  }
}
