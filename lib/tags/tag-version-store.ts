// Lazy, O(1) tag invalidation. Each tag has a version key; an entry records the versions of its
// tags when written and is a miss once any of them changed or vanished. Invalidating a tag is one
// UNLINK, whatever number of entries carry it: nothing scans the keyspace, nothing is kept per
// entry (so nothing leaks when entries expire), and every script touches a single key, so it
// works on Redis Cluster. A tag key lives as long as the longest-lived entry written under it.
import type { Cluster, Redis } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import type { KeySpace } from '../keys/key-space.js';
import { UniqueTokens } from '../keys/unique-token.js';
import { LuaScript } from '../redis/lua-script.js';

const touchTag = LuaScript.load('touch-tag');

export type TagVersions = Record<string, string>;
/** Current versions already read, by tag (undefined: the tag key is absent). */
export type KnownTagVersions = Map<string, string | undefined>;

export class TagVersionStore {
  // Versions only need to differ from every earlier version of the same tag. A short prefix:
  // every tagged entry records its tags' versions.
  private readonly versions = new UniqueTokens(6);

  constructor(
    private readonly client: Redis | Cluster,
    private readonly isCluster: boolean,
    private readonly keys: KeySpace,
  ) {}

  /** The current version of each tag (undefined where the tag key is absent), in one MGET per slot. */
  async current(tags: readonly string[]): Promise<(string | undefined)[]> {
    if (tags.length === 0) return [];
    const redisKeys = tags.map((tag) => this.keys.tag(tag));
    if (!this.isCluster) return (await this.client.mget(redisKeys)).map(orUndefined);
    const bySlot = new Map<number, number[]>();
    redisKeys.forEach((key, index) => {
      const slot = calculateSlot(key);
      const group = bySlot.get(slot);
      if (group) group.push(index);
      else bySlot.set(slot, [index]);
    });
    const versions: (string | undefined)[] = new Array(tags.length);
    await Promise.all(
      [...bySlot.values()].map(async (indexes) => {
        const values = await this.client.mget(indexes.map((i) => redisKeys[i]));
        indexes.forEach((index, i) => (versions[index] = orUndefined(values[i])));
      }),
    );
    return versions;
  }

  /**
   * The versions to record in an entry about to be written with these tags and TTL. Creates
   * missing tag keys and extends their life to cover the entry. Call it before computing the
   * value: an invalidation that lands while the value is computed then wins.
   */
  async forWrite(tags: readonly string[], ttlMs: number): Promise<TagVersions> {
    const unique = [...new Set(tags)];
    const versions = await Promise.all(
      unique.map(
        (tag) =>
          touchTag.run(
            this.client,
            [this.keys.tag(tag)],
            [this.versions.next(), ttlMs],
          ) as Promise<string>,
      ),
    );
    const recorded: TagVersions = {};
    unique.forEach((tag, i) => (recorded[tag] = versions[i]));
    return recorded;
  }

  /**
   * forWrite for several entries at once (mset): one script call per distinct tag, with the
   * longest TTL among the entries carrying it, however many entries share the tag.
   */
  async forWriteMany(
    entries: readonly { tags: readonly string[]; ttlMs: number }[],
  ): Promise<TagVersions[]> {
    const ttlByTag = new Map<string, number>();
    for (const { tags, ttlMs } of entries) {
      for (const tag of tags) {
        const known = ttlByTag.get(tag);
        // 0 is "no expiry": it outlives any TTL.
        const longest =
          known === undefined ? ttlMs : known === 0 || ttlMs === 0 ? 0 : Math.max(known, ttlMs);
        ttlByTag.set(tag, longest);
      }
    }
    const tags = [...ttlByTag.keys()];
    const versions = await Promise.all(
      tags.map((tag) => this.forWrite([tag], ttlByTag.get(tag)!).then((recorded) => recorded[tag])),
    );
    const byTag = new Map(tags.map((tag, i) => [tag, versions[i]]));
    return entries.map(({ tags: entryTags }) => {
      const recorded: TagVersions = {};
      for (const tag of entryTags) recorded[tag] = byTag.get(tag)!;
      return recorded;
    });
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

function orUndefined(value: string | null): string | undefined {
  return value ?? undefined;
}
