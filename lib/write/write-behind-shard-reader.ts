// One shard's read loop for the write-behind worker: XREADGROUP ... BLOCK on a connection of its
// own (a blocked read holds its connection, so each shard gets one and none delays the cache's
// commands or another shard's reads), reading only while the worker has room for more jobs.
import type { Cluster, Redis } from 'ioredis';
import type { RedisConnection } from '../redis/redis-connection.js';
import { notificationsOf, WRITE_BEHIND_GROUP, type WriteBehindShard } from './write-behind-job.js';
import type { WriteBehindQueue } from './write-behind-queue.js';
import type { WriteBehindWorker } from './write-behind-worker.js';

export class ShardReader {
  /** Whether the shard's consumer group is known to exist. */
  groupReady = false;
  private blocking?: Redis | Cluster;
  private blockingId?: number;
  private loop?: Promise<void>;

  constructor(
    readonly shard: WriteBehindShard,
    private readonly queue: WriteBehindQueue,
    private readonly connection: RedisConnection,
    private readonly worker: WriteBehindWorker,
  ) {}

  start(): void {
    // A read blocks for blockTime: the cache's short command timeout must not apply to it, but a
    // frozen server must still not hang the worker forever.
    const timeout = this.queue.settings.blockTimeMs + 10_000;
    this.blocking = this.connection.duplicate({
      autoPipelining: false,
      commandTimeout: () => timeout,
    });
    this.blocking.on('close', () => (this.blockingId = undefined));
    this.loop = this.read();
  }

  /** Ends the loop (a blocked read returns at once). */
  async stop(): Promise<void> {
    await this.interruptRead();
    await this.loop;
  }

  close(): void {
    this.blocking?.disconnect();
    this.blocking = undefined;
  }

  private async read(): Promise<void> {
    const { batchSize, blockTimeMs } = this.queue.settings;
    const worker = this.worker;
    while (worker.running) {
      const room = worker.room();
      if (room <= 0) {
        await worker.waitForRoom();
        continue;
      }
      let reply: [string, [string, string[] | null][]][] | null;
      try {
        if (!this.groupReady) {
          await this.queue.ensureGroup(this.shard);
          this.groupReady = true;
        }
        const blocking = this.blocking as Redis;
        if (this.blockingId === undefined && !this.connection.isCluster)
          this.blockingId = (await blocking.client('ID')) as number;
        if (!worker.running) break;
        reply = (await blocking.xreadgroup(
          'GROUP',
          WRITE_BEHIND_GROUP,
          worker.consumer,
          'COUNT',
          Math.min(batchSize, room),
          'BLOCK',
          blockTimeMs,
          'STREAMS',
          this.shard.stream,
          '>',
        )) as typeof reply;
        worker.recovered();
      } catch (error) {
        if (!worker.running) break;
        if (error instanceof Error && error.message.includes('NOGROUP')) this.groupReady = false;
        worker.failed('reading jobs', error);
        await Promise.race([delay(Math.min(1_000, blockTimeMs * 2)), worker.stopped]);
        continue;
      }
      for (const [id, key] of notificationsOf(reply?.[0]?.[1] ?? []))
        worker.dispatch(this.shard, id, key);
    }
  }

  /** Ends a blocked read at once: CLIENT UNBLOCK (the read returns empty), else a disconnect. */
  private async interruptRead(): Promise<void> {
    if (this.blockingId !== undefined && !this.connection.isCluster) {
      try {
        await (this.connection.client as Redis).client('UNBLOCK', this.blockingId);
        return;
      } catch {
        // CLIENT may be disabled (managed Redis): disconnecting ends the read too.
      }
    }
    this.blocking?.disconnect();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
