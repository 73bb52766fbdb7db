// One shard's read loop for the write-behind worker: XREADGROUP ... BLOCK on a connection of its
// own (a blocked read holds its connection, so each shard gets one and none delays the cache's
// commands or another shard's reads), reading only while the worker has room for more jobs.
import type { Cluster, Redis } from 'ioredis';
import type { RedisConnection } from '../redis/redis-connection.js';
import { WRITE_BEHIND_GROUP, type WriteBehindShard } from './write-behind-keys.js';
import { notificationsOf, type WriteBehindQueue } from './write-behind-queue.js';

/** What a reader needs from its worker. */
export interface ShardReaderHost {
  readonly consumer: string;
  readonly isRunning: boolean;
  /** Jobs the worker can take now. */
  room(): number;
  /** Resolves when a job finished (or the worker stops). */
  waitForRoom(): Promise<void>;
  dispatch(shard: WriteBehindShard, id: string, key: string): void;
  failed(what: string, error: unknown): void;
  recovered(): void;
  /** Resolves when the worker stops. */
  readonly stopped: Promise<void>;
}

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
    private readonly host: ShardReaderHost,
  ) {}

  start(): void {
    this.blocking = this.createBlockingConnection();
    this.loop = this.read();
  }

  /** Ends the loop (a blocked read returns at once) and closes the connection. */
  async stop(): Promise<void> {
    await this.interruptRead();
    await this.loop;
  }

  close(): void {
    this.blocking?.disconnect();
    this.blocking = undefined;
  }

  private createBlockingConnection(): Redis | Cluster {
    const client = this.connection.client;
    // A read blocks for blockTime: the cache's short command timeout must not apply to it, but a
    // frozen server must still not hang the worker forever.
    const overrides = {
      commandTimeout: this.queue.settings.blockTimeMs + 10_000,
      enableAutoPipelining: false,
      lazyConnect: false,
    };
    const blocking = this.connection.isCluster
      ? (client as Cluster).duplicate(undefined, {
          enableAutoPipelining: false,
          lazyConnect: false,
          redisOptions: { ...(client as Cluster).options.redisOptions, ...overrides },
        })
      : (client as Redis).duplicate(overrides);
    blocking.on('error', () => undefined);
    blocking.on('close', () => (this.blockingId = undefined));
    return blocking;
  }

  private async read(): Promise<void> {
    const { batchSize, blockTimeMs } = this.queue.settings;
    const host = this.host;
    while (host.isRunning) {
      const room = host.room();
      if (room <= 0) {
        await host.waitForRoom();
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
        if (!host.isRunning) break;
        reply = (await blocking.xreadgroup(
          'GROUP',
          WRITE_BEHIND_GROUP,
          host.consumer,
          'COUNT',
          Math.min(batchSize, room),
          'BLOCK',
          blockTimeMs,
          'STREAMS',
          this.shard.stream,
          '>',
        )) as typeof reply;
        host.recovered();
      } catch (error) {
        if (!host.isRunning) break;
        if (error instanceof Error && error.message.includes('NOGROUP')) this.groupReady = false;
        host.failed('reading jobs', error);
        await Promise.race([delay(Math.min(1_000, blockTimeMs * 2)), host.stopped]);
        continue;
      }
      for (const [id, key] of notificationsOf(reply?.[0]?.[1] ?? []))
        host.dispatch(this.shard, id, key);
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

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
