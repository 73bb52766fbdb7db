// Lazy, O(1) tag invalidation. Each tag has a version key; an entry records the versions of its
// tags when written and is a miss once any of them changed or vanished. Invalidating a tag is one
// UNLINK, whatever number of entries carry it: nothing scans the keyspace, nothing is kept per
// entry (so nothing leaks when entries expire), and every script touches keys of one hash slot,
// so it works on Redis Cluster. A tag key is created only for an entry stored under it (or, for a
// few seconds, for one being computed) and lives as long as the longest entry stored under it.
import type { Cluster, Redis } from 'ioredis';
import type { KeySpace } from '../keys/key-space.js';
import { uniqueTokens } from '../keys/unique-token.js';
import { bySlot, TagReservation, type TagVersions } from './tag-reservation.js';

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
    const versions: (string | undefined)[] = new Array(tags.length);
    await Promise.all(
      bySlot(this.isCluster, redisKeys, (key) => key).map(async (indexes) => {
        const values = await this.client.mget(indexes.map((i) => redisKeys[i]));
        indexes.forEach((index, i) => (versions[index] = values[i] ?? undefined));
      }),
    );
    return versions;
  }

  /**
   * Reserves the tags of an entry before its value is computed (an invalidation meanwhile then
   * wins); end the reservation whatever happens (tag-reservation.ts).
   */
  reserve(tags: readonly string[]): Promise<TagReservation> {
    const unique = [...new Set(tags)];
    return TagReservation.reserve(
      this.client,
      this.isCluster,
      unique.map((tag) => ({
        tag,
        redisKey: this.keys.tag(tag),
        freshVersion: this.nextVersion(),
      })),
    );
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
