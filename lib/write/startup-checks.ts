// The write-behind start-up checks, run once the app's writers are registered: Redis memory
// settings that can cost this app data or memory, and jobs an earlier version queued where this
// one does not read them. Each says what it found once.
import type { Cluster, Redis } from 'ioredis';
import type { CacheLogger } from '../events/cache-logger.js';
import {
  CONFIG_DENIED_NOTICE,
  memoryPolicyWarnings,
  readMemoryPolicies,
  type MemoryPolicy,
} from '../redis/memory-policy.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { WriteBehindQueue } from './write-behind-queue.js';
import { WriterRegistry } from './writer-registry.js';

/** Shards an earlier queue may have: its Cluster default; more were configured here too. */
const EARLIER_DEFAULT_SHARDS = 8;

export class StartupChecks {
  private readonly said = new Set<string>();
  private policies?: Promise<MemoryPolicy[] | undefined>;

  constructor(
    private readonly queue: WriteBehindQueue,
    private readonly writers: WriterRegistry,
    private readonly connection: RedisConnection,
    private readonly logger: CacheLogger,
  ) {}

  private get client(): Redis | Cluster {
    return this.connection.client;
  }

  /** Write-behind is in use when this instance has a writer: a late one re-checks. */
  async memoryPolicy(): Promise<void> {
    // Unreachable at startup: nothing can be read, and the outage has been reported already.
    if (!this.connection.health.available) return;
    this.policies ??= readMemoryPolicies(this.client, this.connection.isCluster, () =>
      this.logger.log(CONFIG_DENIED_NOTICE),
    );
    const policies = await this.policies;
    for (const line of policies ? memoryPolicyWarnings(policies, this.writers.size > 0) : []) {
      if (!this.said.has(line)) this.logger.warn(line);
      this.said.add(line);
    }
  }

  /**
   * An earlier version queued under `{ns~wb}…` keys, which this one does not read. A user limited
   * to the namespace is refused them, and could never have written them: nothing to say then.
   */
  async earlierQueue(): Promise<void> {
    if (this.writers.size === 0 || !this.connection.health.available) return;
    const { namespace, shards } = this.queue;
    // [jobs not persisted, dead letters] of the earlier queue.
    const totals = [0, 0];
    const count = async (shard: number) => {
      const prefix = shard === 0 ? `{${namespace}~wb}` : `{${namespace}~wb~${shard}}`;
      const counts = await Promise.all([
        this.client.hget(`${prefix}:meta`, 'depth').then(Number),
        this.client.xlen(`${prefix}:dead`),
      ]);
      counts.forEach((n, i) => (totals[i] += n));
    };
    try {
      // Shard 0 alone first: a user limited to the namespace is refused it, and then costs two
      // refused commands (recorded in Redis's ACL LOG), not two per shard.
      await count(0);
      const earlier = Math.max(shards.length, EARLIER_DEFAULT_SHARDS);
      await Promise.all(Array.from({ length: earlier - 1 }, (_, i) => count(i + 1)));
    } catch {
      return;
    }
    const [pending, dead] = totals;
    if (pending === 0 && dead === 0) return;
    this.logger.warn(
      `Write-behind: Redis still holds ${pending} job(s) and ${dead} dead letter(s) queued by an earlier version of nestjs-redis-cache under {${namespace}~wb}…, which this version does not read (its queue is ${namespace}~wb{…}…). Let an instance of the previous version drain them: see docs/operations.md, "Upgrading the write-behind queue".`,
    );
  }
}
