// The durable write-behind queue's storage operations and user API (`cache.writeBehindQueue`).
// Every state change is one Lua script on one shard, so a crash between two commands cannot lose
// or duplicate a job.
import type { Cluster, Redis } from 'ioredis';
import { LuaScript } from '../redis/lua-script.js';
import { RedisConnection } from '../redis/redis-connection.js';
import {
  fieldMap,
  fnv1a,
  listDeadLetters,
  notificationsOf,
  parseDeadLetterId,
  parseJob,
  shardKeys,
  WRITE_BEHIND_GROUP,
  type DeadLetter,
  type JobHeader,
  type ParsedHeader,
  type WriteBehindShard,
} from './write-behind-job.js';
import { DurableEnqueue } from './write-behind-durable-enqueue.js';
import { DEFAULT_CLUSTER_SHARDS } from './write-behind-options.js';
import { WriteBehindStats, type WriteBehindStatsSnapshot } from './write-behind-stats.js';
import { WriterRegistry, type WriterFunction } from './writer-registry.js';
import type {
  ResolvedCacheOptions,
  ResolvedWriteBehindOptions,
} from '../options/resolved-options.js';

const scripts = {
  enqueue: LuaScript.load('write-behind-enqueue'),
  begin: LuaScript.load('write-behind-begin'),
  settle: LuaScript.load('write-behind-settle'),
  promote: LuaScript.load('write-behind-promote'),
  heartbeat: LuaScript.load('write-behind-heartbeat'),
  redeliver: LuaScript.load('write-behind-redeliver'),
};

/** `cache.writeBehindQueue`: inspect and repair the queue shared by every instance. */
export interface WriteBehindQueueApi {
  /** Dead letters, oldest first: at most `count` (default 100), after the id `after` when given. */
  deadLetters(options?: { count?: number; after?: string }): Promise<DeadLetter[]>;
  /** Queues a dead letter again (attempts reset, behind the key's pending jobs); false if no such id. */
  retry(id: string): Promise<boolean>;
  /** Removes one dead letter, or all of them without an id; resolves to how many were removed. */
  purge(id?: string): Promise<number>;
  /** This process' counters with a fresh sample of the queue from Redis. */
  stats(): Promise<WriteBehindStatsSnapshot>;
  /** Registers a persister by name, as @WriteBehindHandler does, for code outside Nest providers. */
  registerWriter(name: string, writer: WriterFunction): void;
}

/** A job as the worker handles it; `header.a` already counts this claim. */
export interface StartedJob {
  key: string;
  shard: WriteBehindShard;
  notification: string;
  header: ParsedHeader;
  body: string;
  /** Earlier claims used up maxAttempts (the last worker died during its attempt): dead-letter it. */
  exhausted: boolean;
}

export type JobOutcome =
  | { kind: 'done' }
  | { kind: 'retry'; delayMs: number; error: string }
  | { kind: 'dead'; error: string };

export type { DeadLetter };

export const SAMPLE_EVERY_MS = 1_000;

export class WriteBehindQueue implements WriteBehindQueueApi {
  readonly settings: ResolvedWriteBehindOptions;
  readonly shards: readonly WriteBehindShard[];
  readonly counters = new WriteBehindStats();
  private readonly durable?: DurableEnqueue;
  private sampling: Promise<void> | undefined;

  constructor(
    private readonly options: ResolvedCacheOptions,
    private readonly connection: RedisConnection,
    private readonly writers: WriterRegistry,
  ) {
    this.settings = options.writeBehind;
    const count = this.settings.shards ?? (connection.isCluster ? DEFAULT_CLUSTER_SHARDS : 1);
    this.shards = Array.from({ length: count }, (_, i) => shardKeys(options.namespace, i));
    if (this.settings.durability)
      this.durable = new DurableEnqueue(connection, this.settings.durability, scripts.enqueue);
  }

  private get client(): Redis | Cluster {
    return this.connection.client;
  }

  /** The shard holding a key's jobs: the same in every process, for as long as `shards` stays. */
  private shardOf(key: string): WriteBehindShard {
    return this.shards[this.shards.length === 1 ? 0 : fnv1a(key) % this.shards.length];
  }

  close(): void {
    this.durable?.close();
  }

  /** With too few replicas, throws WriteBehindNotDurableError (`onTimeout: 'reject'`) once queued. */
  async enqueue(key: string, header: string, body: string): Promise<void> {
    const k = this.shardOf(key);
    const keys = [k.stream, k.owners, k.busy, k.meta, k.jobs(key), k.delayed];
    const result = this.durable
      ? await this.durable.enqueue(keys, [key, header, body])
      : { reply: await scripts.enqueue.run(this.client, keys, [key, header, body]) };
    this.counters.enqueued++;
    if ((result.reply as [number, number])[1] === 1) this.counters.coalesced++;
    if (result.shortOf) {
      this.counters.notDurable++;
      if (this.settings.durability!.onTimeout === 'reject') throw result.shortOf;
    }
  }

  /** Creates a shard's consumer group (from the stream's start, so jobs queued before any worker count). */
  async ensureGroup(shard: WriteBehindShard): Promise<void> {
    try {
      await this.client.xgroup('CREATE', shard.stream, WRITE_BEHIND_GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('BUSYGROUP')) throw error;
    }
  }

  async begin(
    shard: WriteBehindShard,
    key: string,
    notification: string,
  ): Promise<StartedJob | undefined> {
    const reply = (await scripts.begin.run(
      this.client,
      [shard.stream, shard.owners, shard.busy, shard.jobs(key)],
      [key, notification, WRITE_BEHIND_GROUP],
    )) as [string, number] | null;
    if (reply === null) return undefined;
    return { key, shard, notification, ...parseJob(reply[0]), exhausted: reply[1] === 1 };
  }

  /** Records the outcome of a job; resolves to the lag (ms), or undefined if another worker took it over. */
  async settle(
    job: StartedJob,
    consumer: string,
    outcome: JobOutcome,
  ): Promise<number | undefined> {
    const k = job.shard;
    const [settled, lag] = (await scripts.settle.run(
      this.client,
      [k.stream, k.owners, k.busy, k.meta, k.jobs(job.key), k.delayed, k.dead],
      [
        job.key,
        job.notification,
        WRITE_BEHIND_GROUP,
        consumer,
        String(job.header.i),
        outcome.kind,
        outcome.kind === 'retry' ? outcome.delayMs : 0,
        outcome.kind === 'done' ? '' : outcome.error,
      ],
    )) as [number, number?];
    return settled === 1 ? lag : undefined;
  }

  async promoteDue(shard: WriteBehindShard, limit: number): Promise<void> {
    await scripts.promote.run(this.client, [shard.stream, shard.owners, shard.delayed], [limit]);
  }

  async heartbeat(shard: WriteBehindShard, consumer: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await scripts.heartbeat.run(
      this.client,
      [shard.stream],
      [WRITE_BEHIND_GROUP, consumer, ...ids],
    );
  }

  /** Takes over a shard's notifications idle for longer than claimIdle (their worker died). */
  async claimAbandoned(shard: WriteBehindShard, consumer: string, count: number) {
    const reply = (await this.client.xautoclaim(
      shard.stream,
      WRITE_BEHIND_GROUP,
      consumer,
      this.settings.claimIdleMs,
      '0-0',
      'COUNT',
      count,
    )) as [string, [string, string[] | null][]];
    return notificationsOf(reply[1]);
  }

  deadLetters(options: { count?: number; after?: string } = {}): Promise<DeadLetter[]> {
    return listDeadLetters(this.client, this.shards, options);
  }

  async retry(id: string): Promise<boolean> {
    const { streamId, shard } = this.deadLetterShard(id);
    const entries = await this.client.xrange(shard.dead, streamId, streamId);
    if (entries.length === 0) return false;
    const fields = fieldMap(entries[0][1]);
    const k = this.shardOf(fields.k);
    if (k.index !== shard.index) {
      // Dead-lettered before `shards` changed: queue it in the key's shard now, then drop the
      // letter (two steps on two slots; a failure in between leaves the letter, never loses it).
      const header = JSON.parse(fields.h) as JobHeader;
      await this.enqueue(fields.k, JSON.stringify({ ...header, r: undefined }), fields.d);
      await this.client.xdel(shard.dead, streamId);
      return true;
    }
    const keys = [k.dead, k.stream, k.owners, k.meta, k.jobs(fields.k)];
    return (await scripts.redeliver.run(this.client, keys, [streamId, fields.k])) === 1;
  }

  async purge(id?: string): Promise<number> {
    if (id !== undefined) {
      const { streamId, shard } = this.deadLetterShard(id);
      return this.client.xdel(shard.dead, streamId);
    }
    const counts = await Promise.all(
      this.shards.map(async (shard) => {
        // Length and delete in one transaction: a dead letter added in between is not lost uncounted.
        const replies = await this.client.multi().xlen(shard.dead).del(shard.dead).exec();
        return replies![0][1] as number;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** The shard of a dead letter id, also past the configured count (letters written with more shards). */
  private deadLetterShard(id: string): { streamId: string; shard: WriteBehindShard } {
    const { streamId, shard } = parseDeadLetterId(id);
    return { streamId, shard: this.shards[shard] ?? shardKeys(this.options.namespace, shard) };
  }

  async stats(): Promise<WriteBehindStatsSnapshot> {
    await this.sample();
    return this.counters.snapshot();
  }

  registerWriter(name: string, writer: WriterFunction): void {
    this.writers.register(name, writer);
  }

  /** Counters with a fresh sample when Redis answers, else the last one (its age in `queue.sampledAt`). */
  async freshSnapshot(): Promise<WriteBehindStatsSnapshot> {
    await this.sample().catch(() => undefined);
    return this.counters.snapshot();
  }

  /** Counters with the last sample of the queue; refreshes the sample in the background when old. */
  snapshot(): WriteBehindStatsSnapshot {
    const sampledAt = this.counters.queue.sampledAt;
    // Best effort: a failed sample keeps the previous numbers (sampledAt tells their age).
    if (!sampledAt || Date.now() - sampledAt.getTime() > SAMPLE_EVERY_MS)
      this.sample().catch(() => undefined);
    return this.counters.snapshot();
  }

  /** Reads depth, pending, delayed and dead letters from Redis (one round trip, shared by concurrent callers). */
  sample(): Promise<void> {
    this.sampling ??= this.readSample().finally(() => (this.sampling = undefined));
    return this.sampling;
  }

  private async readSample(): Promise<void> {
    const perShard = await Promise.all(
      this.shards.map((shard) =>
        Promise.all([
          this.client.hget(shard.meta, 'depth').then(Number),
          this.client
            .xpending(shard.stream, WRITE_BEHIND_GROUP)
            .then((summary) => Number((summary as [number])[0] ?? 0))
            .catch(() => 0), // NOGROUP: no worker ever ran, nothing is pending.
          this.client.zcard(shard.delayed),
          this.client.xlen(shard.dead),
        ]),
      ),
    );
    const total = (i: number) => perShard.reduce((sum, values) => sum + values[i], 0);
    const [depth, pending, delayed, deadLetters] = [0, 1, 2, 3].map(total);
    this.counters.queue = { depth, pending, delayed, deadLetters, sampledAt: new Date() };
  }
}
