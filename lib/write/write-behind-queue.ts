// The durable write-behind queue in Redis: a stream of per-key notifications read by a consumer
// group, a list of jobs per key, a sorted set of keys waiting for a retry and a dead-letter
// stream. Every state change is one Lua script, so a crash between two commands cannot lose or
// duplicate a job. This class holds the storage operations and the user-facing queue API
// (`cache.writeBehindQueue`); the worker drives the operations, WriteStrategies enqueues.
import { Inject, Injectable } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { RESOLVED_CACHE_OPTIONS } from '../module/redis-cache.constants.js';
import type { ResolvedCacheOptions } from '../module/resolve-options.js';
import { LuaScript } from '../redis/lua-script.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { parseBody, parseJob, type JobHeader } from './write-behind-job.js';
import { WRITE_BEHIND_GROUP, WriteBehindKeys } from './write-behind-keys.js';
import type { ResolvedWriteBehindOptions } from './write-behind-options.js';
import { WriteBehindStats, type WriteBehindStatsSnapshot } from './write-behind-stats.js';
import { WriterRegistry, type WriterFunction } from './writer-registry.js';

const scripts = {
  enqueue: LuaScript.load('write-behind-enqueue'),
  begin: LuaScript.load('write-behind-begin'),
  settle: LuaScript.load('write-behind-settle'),
  promote: LuaScript.load('write-behind-promote'),
  heartbeat: LuaScript.load('write-behind-heartbeat'),
  redeliver: LuaScript.load('write-behind-redeliver'),
};

/** A job that failed `maxAttempts` times, as listed by `cache.writeBehindQueue.deadLetters()`. */
export interface DeadLetter {
  /** Id in the dead-letter stream: pass it to `retry(id)` or `purge(id)`. */
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

/** A job as the worker handles it. */
export interface StartedJob {
  key: string;
  notification: string;
  header: Required<Omit<JobHeader, 'r'>>;
  body: string;
}

export type JobOutcome =
  | { kind: 'done' }
  | { kind: 'retry'; delayMs: number; error: string }
  | { kind: 'dead'; error: string };

const SAMPLE_EVERY_MS = 1_000;

@Injectable()
export class WriteBehindQueue implements WriteBehindQueueApi {
  readonly keys: WriteBehindKeys;
  readonly settings: ResolvedWriteBehindOptions;
  readonly counters = new WriteBehindStats();
  private sampling: Promise<void> | undefined;

  constructor(
    @Inject(RESOLVED_CACHE_OPTIONS) options: ResolvedCacheOptions,
    private readonly connection: RedisConnection,
    private readonly writers: WriterRegistry,
  ) {
    this.keys = new WriteBehindKeys(options.namespace);
    this.settings = options.writeBehind;
  }

  private get client(): Redis | Cluster {
    return this.connection.client;
  }

  /** Queues a job; resolves once Redis has it. Throws when Redis cannot be reached. */
  async enqueue(
    key: string,
    header: string,
    body: string,
  ): Promise<{ sequence: number; merged: boolean }> {
    const k = this.keys;
    const [sequence, merged] = (await scripts.enqueue.run(
      this.client,
      [k.stream, k.owners, k.busy, k.meta, k.jobs(key), k.delayed],
      [key, header, body],
    )) as [number, number];
    this.counters.enqueued++;
    if (merged === 1) this.counters.coalesced++;
    return { sequence, merged: merged === 1 };
  }

  /** Creates the consumer group (from the stream's start, so jobs queued before any worker count). */
  async ensureGroup(): Promise<void> {
    try {
      await this.client.xgroup('CREATE', this.keys.stream, WRITE_BEHIND_GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('BUSYGROUP')) throw error;
    }
  }

  /** The key's first job, marked busy; undefined if the notification is stale (then it is removed). */
  async begin(key: string, notification: string): Promise<StartedJob | undefined> {
    const k = this.keys;
    const raw = (await scripts.begin.run(
      this.client,
      [k.stream, k.owners, k.busy, k.jobs(key)],
      [key, notification, WRITE_BEHIND_GROUP],
    )) as string | null;
    if (raw === null) return undefined;
    const { header, body } = parseJob(raw);
    return { key, notification, header, body };
  }

  /** Records the outcome of a job; resolves to the lag (ms), or undefined if another worker took it over. */
  async settle(
    job: StartedJob,
    consumer: string,
    outcome: JobOutcome,
  ): Promise<number | undefined> {
    const k = this.keys;
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

  /** Moves keys whose retry is due back to the stream; resolves to how many moved. */
  async promoteDue(limit: number): Promise<number> {
    const k = this.keys;
    return (await scripts.promote.run(
      this.client,
      [k.stream, k.owners, k.delayed],
      [limit],
    )) as number;
  }

  /** Keeps the given notifications from being taken over while this consumer works on them. */
  async heartbeat(consumer: string, notifications: string[]): Promise<void> {
    if (notifications.length === 0) return;
    await scripts.heartbeat.run(
      this.client,
      [this.keys.stream],
      [WRITE_BEHIND_GROUP, consumer, ...notifications],
    );
  }

  /** Takes over notifications idle for longer than claimIdle (their worker died). */
  async claimAbandoned(consumer: string, count: number): Promise<[id: string, key: string][]> {
    const reply = (await this.client.xautoclaim(
      this.keys.stream,
      WRITE_BEHIND_GROUP,
      consumer,
      this.settings.claimIdleMs,
      '0-0',
      'COUNT',
      count,
    )) as [string, [string, string[] | null][]];
    return notificationsOf(reply[1]);
  }

  async deadLetters(options: { count?: number; after?: string } = {}): Promise<DeadLetter[]> {
    const count = options.count ?? 100;
    const start = options.after === undefined ? '-' : `(${options.after}`;
    const entries = (await this.client.xrange(this.keys.dead, start, '+', 'COUNT', count)) as [
      string,
      string[],
    ][];
    return entries.map(([id, fields]) => deadLetterOf(id, fieldMap(fields)));
  }

  async retry(id: string): Promise<boolean> {
    const entries = await this.client.xrange(this.keys.dead, id, id);
    if (entries.length === 0) return false;
    const key = fieldMap(entries[0][1]).k;
    const k = this.keys;
    const moved = await scripts.redeliver.run(
      this.client,
      [k.dead, k.stream, k.owners, k.meta, k.jobs(key)],
      [id, key],
    );
    return moved === 1;
  }

  async purge(id?: string): Promise<number> {
    if (id !== undefined) return this.client.xdel(this.keys.dead, id);
    // Length and delete in one transaction: a dead letter added in between is not lost uncounted.
    const [length] = (await this.client
      .multi()
      .xlen(this.keys.dead)
      .del(this.keys.dead)
      .exec()) as [[Error | null, number], [Error | null, number]];
    return length[1];
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
    if (!sampledAt || Date.now() - sampledAt.getTime() > SAMPLE_EVERY_MS) {
      // Best effort: a failed sample keeps the previous numbers (sampledAt tells their age).
      this.sample().catch(() => undefined);
    }
    return this.counters.snapshot();
  }

  /** Reads depth, pending, delayed and dead letters from Redis (one round trip, shared by concurrent callers). */
  sample(): Promise<void> {
    this.sampling ??= this.readSample().finally(() => (this.sampling = undefined));
    return this.sampling;
  }

  private async readSample(): Promise<void> {
    const k = this.keys;
    const [depth, pending, delayed, dead] = await Promise.all([
      this.client.hget(k.meta, 'depth'),
      this.client
        .xpending(k.stream, WRITE_BEHIND_GROUP)
        .then((summary) => Number((summary as [number])[0] ?? 0))
        .catch(() => 0), // NOGROUP: no worker ever ran, nothing is pending.
      this.client.zcard(k.delayed),
      this.client.xlen(k.dead),
    ]);
    this.counters.queue = {
      depth: Number(depth ?? 0),
      pending,
      delayed,
      deadLetters: dead,
      sampledAt: new Date(),
    };
  }
}

/** Stream entries as [id, key]; entries deleted meanwhile (no fields) are skipped. */
export function notificationsOf(entries: [string, string[] | null][]): [string, string][] {
  const result: [string, string][] = [];
  for (const [id, fields] of entries) {
    if (!fields) continue;
    const key = fieldMap(fields).k;
    if (key !== undefined) result.push([id, key]);
  }
  return result;
}

function fieldMap(fields: string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i]] = fields[i + 1];
  return map;
}

function deadLetterOf(id: string, fields: Record<string, string>): DeadLetter {
  const header = JSON.parse(fields.h) as Required<JobHeader>;
  let data: unknown;
  try {
    data = parseBody(fields.d);
  } catch {
    data = fields.d; // unreadable body: show it raw rather than hide the dead letter
  }
  return {
    id,
    key: fields.k,
    writer: header.w,
    data,
    error: fields.err,
    attempts: header.a,
    sequence: header.i,
    enqueuedAt: new Date(header.e),
    failedAt: new Date(Number(fields.at)),
  };
}
