// Where the write-behind queue lives in Redis. Every key starts with the hash tag `{ns~wb}`, so
// the queue's Lua scripts (which touch several of them at once) also run on Redis Cluster. '~'
// cannot appear in a namespace, so no namespace — and no `clear()`, which only removes `ns:*` and
// `ns#*` — can reach the queue: acknowledged writes outlive a cache clear.

export class WriteBehindKeys {
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
  /** Hash: `depth` (jobs not persisted yet) and `seq` (last job sequence number). */
  readonly meta: string;
  private readonly jobsPrefix: string;

  constructor(namespace: string) {
    const prefix = `{${namespace}~wb}`;
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

/** The consumer group every worker of a namespace reads with. */
export const WRITE_BEHIND_GROUP = 'writers';
