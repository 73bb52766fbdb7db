// At bootstrap (and when a writer is registered later), warns once about Redis memory settings
// that can cost this app data or memory: see lib/redis/memory-policy.ts. Write-behind counts as in
// use when this instance has a writer (a @WriteBehind method, a @WriteBehindHandler or
// registerWriter()).
import type { CacheLogger } from '../events/cache-logger.js';
import {
  CONFIG_DENIED_NOTICE,
  memoryPolicyWarnings,
  readMemoryPolicies,
  type MemoryPolicy,
} from '../redis/memory-policy.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { WriterRegistry } from './writer-registry.js';

export class MemoryPolicyCheck {
  private readonly said = new Set<string>();
  private policies?: Promise<MemoryPolicy[] | undefined>;
  private bootstrapped = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly writers: WriterRegistry,
    private readonly logger: CacheLogger,
  ) {
    writers.onRegister(() => {
      if (this.bootstrapped) void this.check();
    });
  }

  async run(): Promise<void> {
    this.bootstrapped = true;
    await this.check();
  }

  private async check(): Promise<void> {
    // Unreachable at startup: nothing can be read, and the outage has been reported already.
    if (!this.connection.health.available) return;
    this.policies ??= readMemoryPolicies(this.connection.client, this.connection.isCluster, () =>
      this.logger.log(CONFIG_DENIED_NOTICE),
    );
    const policies = await this.policies;
    if (!policies) return;
    for (const line of memoryPolicyWarnings(policies, this.writers.size > 0)) {
      if (this.said.has(line)) continue;
      this.said.add(line);
      this.logger.warn(line);
    }
  }
}
