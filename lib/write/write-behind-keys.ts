// Where the write-behind queue lives in Redis. The queue is split into shards; a key's jobs
// always go to the same shard (a hash of the key), which keeps them in order. Every key starts
// with the namespace, so a Redis user limited to the namespace (`~ns~*`) can run the queue, and
// with `ns~wb`: '~' cannot appear in a namespace, so no other namespace (not even one that `ns` is
// a prefix of) can reach it, and `clear()`, which only removes `ns:*` and `ns#*`, leaves it
// (acknowledged writes outlive a cache clear). Every key of a shard then carries the shard's hash
// tag, `{ns~N}`, so the queue's Lua scripts (which touch several of them at once) also run on
// Redis Cluster, and the shards of a namespace spread over the Cluster's masters. Shard 0 keeps
// its keys whatever the shard count, so a queue written with `shards: 1` is still read.

export class WriteBehindShard {
  /** Notifications "key K has jobs": one live entry per key with pending jobs. */
  readonly stream: string;
  /** Hash: key -> id of its live notification, or 'delayed' while it waits for a retry. */
  readonly owners: string;
  /** Hash: key -> notification id whose worker is running the key's first job right now. */
  readonly busy: string;
  /** Sorted set: key -> time (ms) its retry is due. */
  readonly delayed: string;
  /** Stream of jobs that failed maxAttempts times. */
  readonly dead: string;
  /** Hash: `depth` (jobs not persisted yet) and `seq` (last job sequence number of the shard). */
  readonly meta: string;
  private readonly jobsPrefix: string;

  constructor(
    namespace: string,
    readonly index: number,
  ) {
    const prefix = `${namespace}~wb{${namespace}~${index}}`;
    this.stream = `${prefix}:stream`;
    this.owners = `${prefix}:owners`;
    this.busy = `${prefix}:busy`;
    this.delayed = `${prefix}:delayed`;
    this.dead = `${prefix}:dead`;
    this.meta = `${prefix}:meta`;
    this.jobsPrefix = `${prefix}:jobs:`;
  }

  /** List of the jobs of one key, oldest first. */
  jobs(key: string): string {
    return this.jobsPrefix + key;
  }
}

export class WriteBehindKeys {
  readonly shards: readonly WriteBehindShard[];

  constructor(
    private readonly namespace: string,
    shards = 1,
  ) {
    this.shards = Array.from({ length: shards }, (_, i) => new WriteBehindShard(namespace, i));
  }

  /** Shard `index`, also past the configured count (dead letters written with more shards). */
  shardAt(index: number): WriteBehindShard {
    return this.shards[index] ?? new WriteBehindShard(this.namespace, index);
  }

  /** The shard holding a key's jobs: the same in every process, for as long as `shards` stays. */
  shardOf(key: string): WriteBehindShard {
    return this.shards.length === 1 ? this.shards[0] : this.shards[fnv1a(key) % this.shards.length];
  }
}

/** 32-bit FNV-1a over the key's UTF-16 code units: cheap, stable and well spread for short keys. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The consumer group every worker of a namespace reads with. */
export const WRITE_BEHIND_GROUP = 'writers';
