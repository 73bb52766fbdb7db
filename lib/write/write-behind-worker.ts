// Runs queued write-behind jobs: one blocking read per shard, up to `concurrency` persister calls,
// a job acknowledged only after its persister resolved (at least once). A timer heartbeats held
// jobs, takes over dead workers' (XAUTOCLAIM after claimIdle) and promotes due retries. Before it
// starts, it runs the start-up checks (startup-checks.ts).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Cluster, Redis } from 'ioredis';
import { richJsonParse } from '../codec/rich-json.js';
import type { CacheLogger } from '../events/cache-logger.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { describeRedisError } from '../redis/redis-error-kind.js';
import {
  notificationsOf,
  parseJob,
  scripts,
  WRITE_BEHIND_GROUP,
  type ParsedHeader,
  type WriteBehindShard,
} from './write-behind-job.js';
import { SAMPLE_EVERY_MS, WriteBehindQueue } from './write-behind-queue.js';
import { StartupChecks } from './startup-checks.js';
import { WriterRegistry } from './writer-registry.js';

const SETTLE_TRIES = 3;

/** A job as the worker handles it; `header.a` already counts this claim. */
interface StartedJob {
  key: string;
  shard: WriteBehindShard;
  notification: string;
  header: ParsedHeader;
  body: string;
}

/** What became of an attempt; a retry has its delay, a failure its error. */
type JobOutcome = { kind: 'done' | 'retry' | 'dead'; delayMs?: number; error?: string };

/**
 * A blocked read holds its connection: each shard reads on a connection of its own, so none delays
 * the cache's commands or another shard's reads.
 */
interface ShardReader {
  shard: WriteBehindShard;
  blocking: Redis | Cluster;
  /** The blocking connection's CLIENT ID, to end its read with CLIENT UNBLOCK. */
  blockingId?: number;
  /** Whether the shard's consumer group is known to exist. */
  groupReady: boolean;
  loop?: Promise<void>;
}

export class WriteBehindWorker {
  /** This worker's consumer name in the group: unique per process and start. */
  private readonly consumer = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** Notifications delivered to this worker, running or waiting for a slot, by `shard/id`. */
  private readonly active = new Map<
    string,
    { shard: WriteBehindShard; id: string; run: Promise<void> }
  >();
  private readers: ShardReader[] = [];
  private running = false;
  /** From bootstrap() to shutdown(): the worker may run. */
  private bootstrapped = false;
  private timer?: NodeJS.Timeout;
  private housekeeping?: Promise<void>;
  private lastSample = 0;
  private lastClaim = 0;
  private lastHeartbeat = 0;
  private claimEveryMs = 1_000;
  private failing = false;
  /** Slots of `concurrency` in use; delivered jobs wait for theirs (a taken-over job takes all). */
  private slotsTaken = 0;
  private slotWaiters: { slots: number; resolve: (granted: boolean) => void }[] = [];
  /** Readers waiting for a job to finish (or the worker to stop) before they read more. */
  private roomWaiters: (() => void)[] = [];
  private stopped!: Promise<void>;
  private signalStop: () => void = () => undefined;
  private readonly checks: StartupChecks;

  constructor(
    private readonly queue: WriteBehindQueue,
    private readonly writers: WriterRegistry,
    private readonly connection: RedisConnection,
    private readonly logger: CacheLogger,
  ) {
    this.checks = new StartupChecks(queue, writers, connection, logger);
    writers.onRegister(() => {
      // A late writer: write-behind may be in use now, and this worker may start.
      if (!this.bootstrapped) return;
      void this.checks.memoryPolicy();
      this.start();
    });
  }

  private get client(): Redis | Cluster {
    return this.connection.client;
  }

  /** Called once the app's writers are registered (after the explorer ran). */
  async bootstrap(): Promise<void> {
    this.bootstrapped = true;
    await this.checks.memoryPolicy();
    await this.checks.earlierQueue();
    this.start();
  }

  /** Only with a writer: an instance without one never takes (and fails) jobs others could run. */
  private start(): void {
    const { worker } = this.queue.settings;
    if (this.running || !this.bootstrapped || !worker || this.writers.size === 0) return;
    this.running = true;
    this.queue.counters.worker = true;
    this.stopped = new Promise((resolve) => (this.signalStop = resolve));
    const { blockTimeMs, claimIdleMs, delayMs } = this.queue.settings;
    this.readers = this.queue.shards.map((shard) => {
      // A read blocks for blockTime: the cache's short command timeout must not apply to it, but
      // a frozen server must still not hang the worker forever.
      const blocking = this.connection.duplicate({
        autoPipelining: false,
        commandTimeout: () => blockTimeMs + 10_000,
      });
      const reader: ShardReader = { shard, blocking, groupReady: false };
      blocking.on('close', () => (reader.blockingId = undefined));
      reader.loop = this.read(reader);
      return reader;
    });
    // Due retries and delayed writes are promoted every tick; takeovers are checked less often.
    const tick = Math.max(
      20,
      Math.min(1_000, blockTimeMs, Math.floor(claimIdleMs / 3), delayMs > 0 ? delayMs : Infinity),
    );
    this.claimEveryMs = Math.max(tick, Math.min(1_000, Math.floor(claimIdleMs / 3)));
    this.timer = setInterval(() => this.tick(), tick);
    this.timer.unref();
  }

  /**
   * Stops for good, before the cache's connection closes (settling a job still works). Jobs still
   * running after drainTimeout, or not started, stay queued for another worker.
   */
  async shutdown(): Promise<void> {
    this.bootstrapped = false;
    if (!this.running) return;
    this.running = false;
    this.queue.counters.worker = false;
    this.signalStop();
    this.wake();
    for (const waiter of this.slotWaiters.splice(0)) waiter.resolve(false);
    await Promise.all(
      this.readers.map(async (reader) => {
        await this.interruptRead(reader);
        await reader.loop;
      }),
    );
    const drained = await Promise.race([
      Promise.allSettled([...this.active.values()].map((job) => job.run)).then(() => true),
      delay(this.queue.settings.drainTimeoutMs).then(() => false),
    ]);
    if (!drained) {
      this.logger.warn(
        `Write-behind: ${this.active.size} job(s) still running after drainTimeout (${this.queue.settings.drainTimeoutMs} ms); they stay queued and another worker takes them over after claimIdle.`,
      );
    }
    clearInterval(this.timer);
    await this.housekeeping;
    for (const reader of this.readers) reader.blocking.disconnect();
    this.readers = [];
  }

  private room(): number {
    return this.queue.settings.concurrency - this.active.size;
  }

  private wake(): void {
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  }

  /** One shard's read loop: XREADGROUP ... BLOCK, only while the worker has room for more jobs. */
  private async read(reader: ShardReader): Promise<void> {
    const { batchSize, blockTimeMs } = this.queue.settings;
    const { shard } = reader;
    const blocking = reader.blocking as Redis; // client('ID') is typed on Redis only
    while (this.running) {
      const room = this.room();
      if (room <= 0) {
        await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
        continue;
      }
      try {
        if (!reader.groupReady) {
          // From the stream's start, so that jobs queued before any worker count.
          await this.client
            .xgroup('CREATE', shard.stream, WRITE_BEHIND_GROUP, '0', 'MKSTREAM')
            .catch((error: unknown) => {
              if (!(error instanceof Error) || !error.message.startsWith('BUSYGROUP')) throw error;
            });
          reader.groupReady = true;
        }
        if (reader.blockingId === undefined && !this.connection.isCluster)
          reader.blockingId = (await blocking.client('ID')) as number;
        if (!this.running) break;
        const reply = (await blocking.xreadgroup(
          'GROUP',
          WRITE_BEHIND_GROUP,
          this.consumer,
          'COUNT',
          Math.min(batchSize, room),
          'BLOCK',
          blockTimeMs,
          'STREAMS',
          shard.stream,
          '>',
        )) as [string, [string, string[] | null][]][] | null;
        this.recovered();
        for (const [id, key] of notificationsOf(reply?.[0]?.[1] ?? []))
          this.dispatch(shard, id, key);
      } catch (error) {
        if (!this.running) break;
        if (error instanceof Error && error.message.includes('NOGROUP')) reader.groupReady = false;
        this.failed('reading jobs', error);
        await Promise.race([delay(Math.min(1_000, blockTimeMs * 2)), this.stopped]);
      }
    }
  }

  /** Ends a blocked read at once: CLIENT UNBLOCK (the read returns empty), else a disconnect. */
  private async interruptRead(reader: ShardReader): Promise<void> {
    const id = reader.blockingId;
    // CLIENT may be disabled (managed Redis): disconnecting ends the read too.
    const unblocked =
      id !== undefined &&
      (await (this.client as Redis).client('UNBLOCK', id).then(
        () => true,
        () => false,
      ));
    if (!unblocked) reader.blocking.disconnect();
  }

  /**
   * `alone`: a job taken over from a dead worker runs with no other job beside it, so if its
   * persister crashes the process, it uses up its own attempts and nobody else's.
   */
  private dispatch(shard: WriteBehindShard, id: string, key: string, alone = false): void {
    const handle = `${shard.index}/${id}`;
    if (this.active.has(handle)) return;
    const run = this.runInSlots(shard, id, key, alone ? this.queue.settings.concurrency : 1)
      .catch((error: unknown) => this.failed(`running the job for "${key}"`, error))
      .finally(() => {
        this.active.delete(handle);
        this.wake();
      });
    this.active.set(handle, { shard, id, run });
  }

  /** Shards may deliver past `concurrency`: the extra jobs wait here, first come first served. */
  private async runInSlots(
    shard: WriteBehindShard,
    id: string,
    key: string,
    slots: number,
  ): Promise<void> {
    const concurrency = this.queue.settings.concurrency;
    const granted =
      this.slotWaiters.length === 0 && this.slotsTaken + slots <= concurrency
        ? ((this.slotsTaken += slots), true)
        : await new Promise<boolean>((resolve) => this.slotWaiters.push({ slots, resolve }));
    if (!granted) return;
    try {
      await this.process(shard, id, key);
    } finally {
      this.slotsTaken -= slots;
      while (this.running && this.slotWaiters.length > 0) {
        const next = this.slotWaiters[0];
        if (this.slotsTaken + next.slots > concurrency) break;
        this.slotWaiters.shift();
        this.slotsTaken += next.slots;
        next.resolve(true);
      }
    }
  }

  private async process(shard: WriteBehindShard, notification: string, key: string): Promise<void> {
    const reply = (await scripts.begin.run(
      this.client,
      [shard.stream, shard.owners, shard.busy, shard.jobs(key)],
      [key, notification, WRITE_BEHIND_GROUP],
    )) as [string, number] | null;
    if (reply === null) return;
    const job: StartedJob = { key, shard, notification, ...parseJob(reply[0]) };
    const { header } = job;
    let outcome: JobOutcome = { kind: 'done' };
    try {
      // Earlier claims used up maxAttempts (workers that died while running it): dead-letter it.
      if (reply[1] === 1) throw new Error(header.r ?? 'the worker died during the attempt');
      const writer = this.writers.get(header.w);
      if (!writer)
        throw new Error(
          `no writer named "${header.w}" is registered in this instance (known: ${this.writers.names().join(', ') || 'none'})`,
        );
      const info = {
        key,
        sequence: header.i,
        attempt: header.a,
        writes: header.n,
        enqueuedAt: new Date(header.e),
        synchronous: false,
      };
      await this.queue.counters.persist(() => writer(richJsonParse(job.body), info));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Exponential backoff: base before the second attempt, doubling up to max.
      const delayMs = Math.min(header.x, header.b * 2 ** Math.max(0, header.a - 1));
      outcome =
        header.a >= header.m
          ? { kind: 'dead', error: message }
          : { kind: 'retry', error: message, delayMs };
    }
    await this.finish(job, outcome);
  }

  /** Records the outcome of a job in Redis, then in the counters and the log. */
  private async finish(job: StartedJob, outcome: JobOutcome): Promise<void> {
    const { key, shard: k, header } = job;
    let reply: [settled: number, lag?: number];
    // A few tries: after a Redis blip the job would otherwise run again after claimIdle.
    for (let tryNumber = 1; ; tryNumber++) {
      try {
        reply = (await scripts.settle.run(
          this.client,
          [k.stream, k.owners, k.busy, k.meta, k.jobs(key), k.delayed, k.dead],
          [
            key,
            job.notification,
            WRITE_BEHIND_GROUP,
            this.consumer,
            String(header.i),
            outcome.kind,
            outcome.delayMs ?? 0,
            outcome.error ?? '',
          ],
        )) as typeof reply;
        break;
      } catch (error) {
        if (tryNumber >= SETTLE_TRIES) throw error;
        await delay(100 * tryNumber);
      }
    }
    const counters = this.queue.counters;
    const [settled, lag] = reply;
    // Another worker took the job over (and runs it again).
    if (settled !== 1) {
      counters.takenOver++;
      return;
    }
    const what = `Write-behind job for "${key}" (writer ${header.w})`;
    switch (outcome.kind) {
      case 'done':
        counters.persisted++;
        counters.lag.observe(lag!);
        return;
      case 'retry':
        counters.retries++;
        this.logger.warn(
          `${what} failed (attempt ${header.a} of ${header.m}): ${outcome.error}; retrying in ${outcome.delayMs} ms.`,
        );
        return;
      case 'dead':
        counters.deadLettered++;
        this.logger.error(
          `${what} failed ${header.a} time(s), moved to the dead-letter stream: ${outcome.error}. See cache.writeBehindQueue.deadLetters().`,
        );
    }
  }

  private tick(): void {
    this.housekeeping ??= this.keepHouse().finally(() => (this.housekeeping = undefined));
  }

  private async keepHouse(): Promise<void> {
    // Real time, not the cache's clock: heartbeats race Redis's idle times (XAUTOCLAIM), and
    // retries and delays are scheduled on Redis's TIME in the queue's scripts.
    const { shards, settings } = this.queue;
    try {
      if (Date.now() - this.lastHeartbeat >= this.claimEveryMs) {
        this.lastHeartbeat = Date.now();
        await Promise.all(
          shards.map((shard) => {
            const held = [...this.active.values()].filter((job) => job.shard === shard);
            if (held.length === 0) return;
            const args = [WRITE_BEHIND_GROUP, this.consumer, ...held.map((job) => job.id)];
            return scripts.heartbeat.run(this.client, [shard.stream], args);
          }),
        );
      }
      if (!this.running) return;
      await Promise.all(
        shards.map((k) => scripts.promote.run(this.client, [k.stream, k.owners, k.delayed], [100])),
      );
      if (Date.now() - this.lastClaim >= this.claimEveryMs) {
        this.lastClaim = Date.now();
        for (const { shard, groupReady } of this.readers) {
          const room = this.room();
          if (room <= 0) break;
          if (!groupReady) continue;
          // Notifications idle for longer than claimIdle: their worker died.
          const [, entries] = (await this.client.xautoclaim(
            shard.stream,
            WRITE_BEHIND_GROUP,
            this.consumer,
            settings.claimIdleMs,
            '0-0',
            'COUNT',
            room,
          )) as [string, [string, string[] | null][]];
          for (const [id, key] of notificationsOf(entries)) this.dispatch(shard, id, key, true);
        }
      }
      if (Date.now() - this.lastSample >= SAMPLE_EVERY_MS) {
        this.lastSample = Date.now();
        await this.queue.sample();
      }
    } catch (error) {
      if (error instanceof Error && error.message.includes('NOGROUP'))
        for (const reader of this.readers) reader.groupReady = false;
      if (this.running) this.failed('housekeeping', error);
    }
  }

  private failed(what: string, error: unknown): void {
    // During an outage the connection has said so once already; one line per outage is enough.
    if (this.failing || !this.connection.health.available) return;
    this.failing = true;
    this.logger.warn(
      `Write-behind worker: ${what} failed (${describeRedisError(error)}); retrying. Queued jobs are kept in Redis.`,
    );
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.log('Write-behind worker: Redis is reachable again; processing jobs.');
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
