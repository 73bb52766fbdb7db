// The durable write-behind queue's enqueue, its user API (`cache.writeBehindQueue`: dead letters,
// stats) and the sample of its state in Redis. The worker runs the queued jobs.
import type { Cluster, Redis } from 'ioredis';
import { richJsonParse } from '../codec/rich-json.js';
import { WriteBehindNotDurableError } from '../errors/errors.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { TickBatch } from '../redis/tick-batch.js';
import {
  fieldMap,
  fnv1a,
  scripts,
  shardKeys,
  WRITE_BEHIND_GROUP,
  type JobHeader,
  type WriteBehindShard,
} from './write-behind-job.js';
import { DEFAULT_CLUSTER_SHARDS } from './write-behind-options.js';
import { WriteBehindStats, type WriteBehindStatsSnapshot } from './write-behind-stats.js';
import { WriterRegistry, type WriterFunction } from './writer-registry.js';
import type {
  ResolvedCacheOptions,
  ResolvedWriteBehindOptions,
} from '../options/resolved-options.js';

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

// Each shard has its own dead-letter stream (dead-lettered in the shard's script, so its slot); the
// lists merge by stream id, then shard. `@<shard>` only past shard 0: unsharded ids stay as they were.
/** A job that failed `maxAttempts` times, as listed by `cache.writeBehindQueue.deadLetters()`. */
export interface DeadLetter {
  /** Id in its shard's dead-letter stream (`<stream id>@<shard>` past shard 0): pass it to `retry(id)` or `purge(id)`. */
  id: string;
  key: string;
  /** The writer that failed: a @WriteBehindHandler name or `ClassName.method`. */
  writer: string;
  /** What the persister was called with: the value (handlers) or the argument list (@WriteBehind methods). */
  data: unknown;
  /** Message of the last error. */
  error: string;
  attempts: number;
  sequence: number;
  enqueuedAt: Date;
  failedAt: Date;
}

/** One enqueue of `writeBehind.durability`; resolves to the script's reply and, when fewer replicas than asked confirmed it, the error saying so. */
interface DurableRequest {
  keys: string[];
  /** The job's key first. */
  args: string[];
  resolve: (result: [unknown, WriteBehindNotDurableError?]) => void;
  reject: (error: unknown) => void;
}

export const SAMPLE_EVERY_MS = 1_000;

export class WriteBehindQueue implements WriteBehindQueueApi {
  readonly namespace: string;
  readonly settings: ResolvedWriteBehindOptions;
  readonly shards: readonly WriteBehindShard[];
  readonly counters = new WriteBehindStats();
  private readonly durable?: TickBatch<DurableRequest>;
  private durableClient?: Redis | Cluster;
  /** Set while replicas fall short: said when an episode starts and ends. */
  private replicasShort = false;
  private sampling: Promise<void> | undefined;

  constructor(
    options: ResolvedCacheOptions,
    private readonly connection: RedisConnection,
    private readonly writers: WriterRegistry,
  ) {
    this.namespace = options.namespace;
    this.settings = options.writeBehind;
    const count = this.settings.shards ?? (connection.isCluster ? DEFAULT_CLUSTER_SHARDS : 1);
    this.shards = Array.from({ length: count }, (_, i) => shardKeys(options.namespace, i));
    if (this.settings.durability)
      this.durable = new TickBatch(
        connection.isCluster,
        (request) => request.keys[0],
        (group) => void this.sendDurable(group),
      );
  }

  private get client(): Redis | Cluster {
    return this.connection.client;
  }

  /** The shard holding a key's jobs: the same in every process, for as long as `shards` stays. */
  private shardOf(key: string): WriteBehindShard {
    return this.shards[this.shards.length === 1 ? 0 : fnv1a(key) % this.shards.length];
  }

  close(): void {
    this.durableClient?.disconnect();
    this.durableClient = undefined;
  }

  /** With too few replicas, throws WriteBehindNotDurableError (`onTimeout: 'reject'`) once queued. */
  async enqueue(key: string, header: string, body: string): Promise<void> {
    const k = this.shardOf(key);
    const keys = [k.stream, k.owners, k.busy, k.meta, k.jobs(key), k.delayed];
    const args = [key, header, body];
    const durable = this.durable;
    const [reply, shortOf] = durable
      ? await new Promise<[unknown, WriteBehindNotDurableError?]>((resolve, reject) =>
          durable.add({ keys, args, resolve, reject }),
        )
      : [await scripts.enqueue.run(this.client, keys, args)];
    this.counters.enqueued++;
    if ((reply as [number, number])[1] === 1) this.counters.coalesced++;
    if (shortOf) {
      this.counters.notDurable++;
      if (this.settings.durability!.onTimeout === 'reject') throw shortOf;
    }
  }

  // `writeBehind.durability`: a tick's enqueues go in one pipeline per hash slot on a connection of
  // their own, then one `WAIT replicas timeout`: WAIT covers every earlier write of its connection (a
  // burst costs one wait), and blocks only this connection, never the cache's.
  private async sendDurable(group: DurableRequest[], bySource = false): Promise<void> {
    const { replicas, timeoutMs } = this.settings.durability!;
    try {
      const client = (this.durableClient ??= this.connection.duplicate({
        autoPipelining: false,
        commandTimeout: (commandTimeout) =>
          commandTimeout === undefined ? undefined : commandTimeout + timeoutMs,
      }));
      const pipeline = client.pipeline();
      const { sha, source } = scripts.enqueue;
      for (const { keys, args } of group) {
        if (bySource) pipeline.eval(source, keys.length, ...keys, ...args);
        else pipeline.evalsha(sha, keys.length, ...keys, ...args);
      }
      // No key: ioredis sends it to the node the scripts went to, on the same connection.
      pipeline.call('WAIT', replicas, timeoutMs);
      const replies = (await pipeline.exec()) as [Error | null, unknown][];
      const [waitError, confirmed] = replies[group.length];
      // The server did not know the script (restart, failover): nothing was queued for these; they
      // go again with the script's text, and a WAIT of their own.
      const unknown = group.filter((_, i) => !bySource && isNoScript(replies[i][0]));
      if (unknown.length > 0) void this.sendDurable(unknown, true);
      group.forEach((request, i) => {
        const [error, reply] = replies[i];
        if (unknown.includes(request)) return;
        if (error) request.reject(error);
        else request.resolve([reply, this.checkReplicas(request.args[0], waitError, confirmed)]);
      });
    } catch (error) {
      for (const request of group) request.reject(error);
    }
  }

  private checkReplicas(
    key: string,
    waitError: Error | null,
    confirmed: unknown,
  ): WriteBehindNotDurableError | undefined {
    const { replicas, timeoutMs, onTimeout } = this.settings.durability!;
    const count = waitError ? 0 : Number(confirmed);
    const short = count < replicas;
    if (short !== this.replicasShort) {
      this.replicasShort = short;
      if (short)
        this.connection.logger.warn(
          `Write-behind: only ${count} of ${replicas} replica(s) confirmed a queued job within ${timeoutMs} ms${waitError ? ` (WAIT failed: ${waitError.message})` : ''}; ${onTimeout === 'reject' ? 'such calls are rejected with WriteBehindNotDurableError' : 'such calls are acknowledged anyway'} and counted in stats().writeBehind.notDurable.`,
        );
      else
        this.connection.logger.log(
          `Write-behind: ${replicas} replica(s) confirm queued jobs again.`,
        );
    }
    return short ? new WriteBehindNotDurableError(key, replicas, count, timeoutMs) : undefined;
  }

  async deadLetters(options: { count?: number; after?: string } = {}): Promise<DeadLetter[]> {
    const count = options.count ?? 100;
    const after = options.after === undefined ? undefined : this.deadLetterShard(options.after);
    const perShard = await Promise.all(
      this.shards.map(async (shard) => {
        // After the cursor: later stream ids, or the same id in a later shard.
        const start =
          after === undefined
            ? '-'
            : shard.index > after.shard.index
              ? after.streamId
              : `(${after.streamId}`;
        const entries = await this.client.xrange(shard.dead, start, '+', 'COUNT', count);
        return entries.map(([streamId, fields]) => ({ streamId, shard: shard.index, fields }));
      }),
    );
    return perShard
      .flat()
      .sort((a, b) => compareStreamIds(a.streamId, b.streamId) || a.shard - b.shard)
      .slice(0, count)
      .map(({ streamId, shard, fields }) => deadLetterOf(streamId, shard, fieldMap(fields)));
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
    const at = id.indexOf('@');
    const index = at < 0 ? 0 : Number(id.slice(at + 1));
    const shard = this.shards[index] ?? shardKeys(this.namespace, index);
    return { streamId: at < 0 ? id : id.slice(0, at), shard };
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

function isNoScript(error: Error | null): boolean {
  return error !== null && error.message.startsWith('NOSCRIPT');
}

function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

function deadLetterOf(streamId: string, shard: number, fields: Record<string, string>): DeadLetter {
  const header = JSON.parse(fields.h) as Required<JobHeader>;
  let data: unknown;
  try {
    data = richJsonParse(fields.d);
  } catch {
    data = fields.d; // unreadable body: show it raw rather than hide the dead letter
  }
  return {
    id: shard === 0 ? streamId : `${streamId}@${shard}`,
    key: fields.k,
    writer: header.w,
    data,
    error: fields.err,
    attempts: header.a,
    sequence: header.i,
    enqueuedAt: new Date(header.e),
    // The dead-letter stream's own time, so that the list's order (oldest first) and failedAt agree
    // across shards on different nodes.
    failedAt: new Date(Number(streamId.split('-')[0])),
  };
}
