// The start-up checks of write/, run once the app's writers are registered: Redis memory settings
// that can cost this app data or memory, and jobs an earlier version queued where this one does
// not read them. Each says what it found once.
import type { CacheLogger } from '../events/cache-logger.js';
import {
  CONFIG_DENIED_NOTICE,
  memoryPolicyWarnings,
  readMemoryPolicies,
  type MemoryPolicy,
} from '../redis/memory-policy.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { type ResolvedCacheOptions } from '../options/resolved-options.js';
import { WriteBehindQueue } from './write-behind-queue.js';
import { WriterRegistry } from './writer-registry.js';

/** Shards an earlier queue may have: its Cluster default; more were configured here too. */
const EARLIER_DEFAULT_SHARDS = 8;

export class StartupChecks {
  private readonly said = new Set<string>();
  private policies?: Promise<MemoryPolicy[] | undefined>;
  private bootstrapped = false;

  constructor(
    private readonly options: ResolvedCacheOptions,
    private readonly connection: RedisConnection,
    private readonly queue: WriteBehindQueue,
    private readonly writers: WriterRegistry,
    private readonly logger: CacheLogger,
  ) {
    writers.onRegister(() => {
      if (this.bootstrapped) void this.checkMemoryPolicy();
    });
  }

  async run(): Promise<void> {
    this.bootstrapped = true;
    await this.checkMemoryPolicy();
    await this.checkEarlierQueue();
  }

  /** Write-behind is in use when this instance has a writer: a late one re-checks. */
  private async checkMemoryPolicy(): Promise<void> {
    // Unreachable at startup: nothing can be read, and the outage has been reported already.
    if (!this.connection.health.available) return;
    this.policies ??= readMemoryPolicies(this.connection.client, this.connection.isCluster, () =>
      this.logger.log(CONFIG_DENIED_NOTICE),
    );
    const policies = await this.policies;
    for (const line of policies ? memoryPolicyWarnings(policies, this.writers.size > 0) : []) {
      if (this.said.has(line)) continue;
      this.said.add(line);
      this.logger.warn(line);
    }
  }

  /**
   * An earlier version queued under `{ns~wb}…` keys, which this one does not read. A user limited
   * to the namespace is refused them, and could never have written them: nothing to say then.
   */
  private async checkEarlierQueue(): Promise<void> {
    if (this.writers.size === 0 || !this.connection.health.available) return;
    const { namespace } = this.options;
    const client = this.connection.client;
    // [jobs not persisted, dead letters] of one shard of an earlier queue.
    const counts = (shard: number) => {
      const prefix = shard === 0 ? `{${namespace}~wb}` : `{${namespace}~wb~${shard}}`;
      return Promise.all([
        client.hget(`${prefix}:meta`, 'depth').then(Number),
        client.xlen(`${prefix}:dead`),
      ]);
    };
    let pending = 0;
    let dead = 0;
    try {
      // Shard 0 alone first: a user limited to the namespace is refused it, and then costs two
      // refused commands (recorded in Redis's ACL LOG), not two per shard.
      const first = await counts(0);
      const shards = Math.max(this.queue.shards.length, EARLIER_DEFAULT_SHARDS);
      const others = await Promise.all(Array.from({ length: shards - 1 }, (_, i) => counts(i + 1)));
      for (const [depth, letters] of [first, ...others]) {
        pending += depth;
        dead += letters;
      }
    } catch {
      return;
    }
    if (pending === 0 && dead === 0) return;
    this.logger.warn(
      `Write-behind: Redis still holds ${pending} job(s) and ${dead} dead letter(s) queued by an earlier version of nestjs-redis-cache under {${namespace}~wb}…, which this version does not read (its queue is ${namespace}~wb{…}…). Let an instance of the previous version drain them: see docs/operations.md, "Upgrading the write-behind queue".`,
    );
  }
}
