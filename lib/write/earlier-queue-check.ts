// At bootstrap of an instance that runs write-behind, says once if Redis still holds jobs queued
// by an earlier version, whose queue keys lay outside the namespace (`{ns~wb}…`, `{ns~wb~N}…`):
// this version reads only `ns~wb{ns~N}…` (lib/write/write-behind-keys.ts), so those jobs would
// wait unseen. docs/operations.md ("Upgrading the write-behind queue") says how to drain them.
// A Redis user limited to the namespace cannot read those keys, and could never have written
// them: its refusal means there is nothing to say.
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { RedisConnection } from '../redis/redis-connection.js';
import { RESOLVED_CACHE_OPTIONS, type ResolvedCacheOptions } from '../options/resolved-options.js';
import { WriteBehindQueue } from './write-behind-queue.js';
import { WriterRegistry } from './writer-registry.js';

/** Shards an earlier version could have written: its Cluster default was 8; more were configured here too. */
const EARLIER_DEFAULT_SHARDS = 8;

@Injectable()
export class EarlierQueueCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('RedisCache');

  constructor(
    @Inject(RESOLVED_CACHE_OPTIONS) private readonly options: ResolvedCacheOptions,
    private readonly connection: RedisConnection,
    private readonly queue: WriteBehindQueue,
    private readonly writers: WriterRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.writers.size === 0 || !this.connection.health.available) return;
    const { namespace } = this.options;
    const shards = Math.max(this.queue.shards.length, EARLIER_DEFAULT_SHARDS);
    const prefixes = Array.from({ length: shards }, (_, i) =>
      i === 0 ? `{${namespace}~wb}` : `{${namespace}~wb~${i}}`,
    );
    const client = this.connection.client;
    let counts: [number, number][];
    try {
      counts = await Promise.all(
        prefixes.map((prefix) =>
          Promise.all([
            client.hget(`${prefix}:meta`, 'depth').then(Number),
            client.xlen(`${prefix}:dead`),
          ]),
        ),
      );
    } catch {
      return;
    }
    const pending = counts.reduce((sum, [depth]) => sum + depth, 0);
    const dead = counts.reduce((sum, [, letters]) => sum + letters, 0);
    if (pending === 0 && dead === 0) return;
    this.logger.warn(
      `Write-behind: Redis still holds ${pending} job(s) and ${dead} dead letter(s) queued by an earlier version of nestjs-redis-cache under {${namespace}~wb}…, which this version does not read (its queue is ${namespace}~wb{…}…). Let an instance of the previous version drain them: see docs/operations.md, "Upgrading the write-behind queue".`,
    );
  }
}
