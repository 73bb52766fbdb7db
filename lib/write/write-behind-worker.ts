// Runs queued write-behind jobs in this instance (unless `writeBehind.worker` is false). Reads key
// notifications with XREADGROUP ... BLOCK on a connection of its own, so a blocked read never
// delays the cache's commands; runs up to `concurrency` persister calls at once; acknowledges a
// job only after its persister resolved (at least once). A timer heartbeats the jobs it runs,
// takes over those of workers that died (XAUTOCLAIM after `claimIdle`) and moves due retries back
// into the stream. On shutdown it stops reading and waits up to `drainTimeout` for running calls.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { RedisConnection } from '../redis/redis-connection.js';
import { parseBody, type WriteBehindJobInfo } from './write-behind-job.js';
import { WRITE_BEHIND_GROUP } from './write-behind-keys.js';
import { backoffDelay } from './write-behind-options.js';
import {
  notificationsOf,
  WriteBehindQueue,
  type JobOutcome,
  type StartedJob,
} from './write-behind-queue.js';
import { WriterRegistry } from './writer-registry.js';

const SETTLE_TRIES = 3;
const SAMPLE_EVERY_MS = 1_000;

@Injectable()
export class WriteBehindWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** This worker's consumer name in the group: unique per process and start. */
  readonly consumer = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly logger = new Logger('RedisCache');
  private readonly active = new Map<string, Promise<void>>();
  private blocking?: Redis | Cluster;
  private blockingId?: number;
  private running = false;
  private bootstrapped = false;
  private shuttingDown = false;
  private readLoop?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private housekeeping?: Promise<void>;
  private lastSample = 0;
  private lastClaim = 0;
  private lastHeartbeat = 0;
  private claimEveryMs = 1_000;
  private groupReady = false;
  private failing = false;
  private wake: () => void = () => undefined;
  private stopped!: Promise<void>;
  private signalStop: () => void = () => undefined;

  constructor(
    private readonly queue: WriteBehindQueue,
    private readonly writers: WriterRegistry,
    private readonly connection: RedisConnection,
  ) {
    writers.onRegister(() => this.startIfNeeded());
  }

  onApplicationBootstrap(): void {
    // After every module's onModuleInit: the explorer has registered the writers by now.
    this.bootstrapped = true;
    this.startIfNeeded();
  }

  /**
   * Runs only where it can persist: with `writeBehind.worker` on and at least one writer
   * registered. An app that never uses write-behind opens no connection and polls nothing, and
   * an instance without writers never takes (and fails) jobs that others could run.
   */
  private startIfNeeded(): void {
    if (
      this.bootstrapped &&
      !this.shuttingDown &&
      this.queue.settings.worker &&
      this.writers.size > 0
    )
      this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Before onApplicationShutdown, where the cache's connection closes: settling still works.
    this.shuttingDown = true;
    await this.stop();
  }

  /** Whether this worker is reading jobs. */
  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.queue.counters.worker = true;
    this.stopped = new Promise((resolve) => (this.signalStop = resolve));
    this.blocking = this.createBlockingConnection();
    this.readLoop = this.read();
    // Due retries and delayed writes are promoted every tick; takeovers are checked less often.
    const { blockTimeMs, claimIdleMs, delayMs } = this.queue.settings;
    const tick = Math.max(
      20,
      Math.min(1_000, blockTimeMs, Math.floor(claimIdleMs / 3), delayMs > 0 ? delayMs : Infinity),
    );
    this.claimEveryMs = Math.max(tick, Math.min(1_000, Math.floor(claimIdleMs / 3)));
    this.timer = setInterval(() => this.tick(), tick);
    this.timer.unref();
  }

  /**
   * Stops reading, waits up to drainTimeout for running persister calls, then closes the worker's
   * connection. Jobs still running after that stay in the stream; another worker takes them over.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.queue.counters.worker = false;
    this.signalStop();
    this.wake();
    await this.interruptRead();
    await this.readLoop;
    const drained = await Promise.race([
      Promise.allSettled([...this.active.values()]).then(() => true),
      delay(this.queue.settings.drainTimeoutMs).then(() => false),
    ]);
    if (!drained) {
      this.logger.warn(
        `Write-behind: ${this.active.size} job(s) still running after drainTimeout (${this.queue.settings.drainTimeoutMs} ms); they stay queued and another worker takes them over after claimIdle.`,
      );
    }
    clearInterval(this.timer);
    await this.housekeeping;
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
    };
    const blocking = this.connection.isCluster
      ? (client as Cluster).duplicate(undefined, {
          enableAutoPipelining: false,
          redisOptions: { ...(client as Cluster).options.redisOptions, ...overrides },
        })
      : (client as Redis).duplicate(overrides);
    blocking.on('error', () => undefined);
    blocking.on('close', () => (this.blockingId = undefined));
    return blocking;
  }

  private async read(): Promise<void> {
    const { concurrency, batchSize, blockTimeMs } = this.queue.settings;
    const stream = this.queue.keys.stream;
    while (this.running) {
      const free = concurrency - this.active.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      let reply: [string, [string, string[] | null][]][] | null;
      try {
        if (!this.groupReady) {
          await this.queue.ensureGroup();
          this.groupReady = true;
        }
        const blocking = this.blocking as Redis;
        if (this.blockingId === undefined && !this.connection.isCluster)
          this.blockingId = (await blocking.client('ID')) as number;
        if (!this.running) break;
        reply = (await blocking.xreadgroup(
          'GROUP',
          WRITE_BEHIND_GROUP,
          this.consumer,
          'COUNT',
          Math.min(batchSize, free),
          'BLOCK',
          blockTimeMs,
          'STREAMS',
          stream,
          '>',
        )) as typeof reply;
        this.recovered();
      } catch (error) {
        if (!this.running) break;
        if (error instanceof Error && error.message.includes('NOGROUP')) this.groupReady = false;
        this.failed('reading jobs', error);
        await Promise.race([delay(Math.min(1_000, blockTimeMs * 2)), this.stopped]);
        continue;
      }
      for (const [id, key] of notificationsOf(reply?.[0]?.[1] ?? [])) this.dispatch(id, key);
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

  private dispatch(id: string, key: string): void {
    if (this.active.has(id)) return;
    const run = this.process(id, key)
      .catch((error: unknown) => this.failed(`running the job for "${key}"`, error))
      .finally(() => {
        this.active.delete(id);
        this.wake();
      });
    this.active.set(id, run);
  }

  private async process(notification: string, key: string): Promise<void> {
    const job = await this.queue.begin(key, notification);
    if (!job) return;
    const { header } = job;
    const attempt = header.a;
    if (job.exhausted) {
      // Every attempt was used up by workers that died while running it: never run it again.
      const error = header.r ?? 'the worker died during the attempt';
      return this.finish(job, attempt, { kind: 'dead', error });
    }
    const info: WriteBehindJobInfo = {
      key,
      sequence: header.i,
      attempt,
      writes: header.n,
      enqueuedAt: new Date(header.e),
      synchronous: false,
    };
    const counters = this.queue.counters;
    let outcome: JobOutcome;
    const started = performance.now();
    counters.inFlight++;
    try {
      const writer = this.writers.get(header.w);
      if (!writer)
        throw new Error(
          `no writer named "${header.w}" is registered in this instance (known: ${this.writers.names().join(', ') || 'none'})`,
        );
      await writer(parseBody(job.body), info);
      counters.persistLatency.observe(performance.now() - started);
      outcome = { kind: 'done' };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcome =
        attempt >= header.m
          ? { kind: 'dead', error: message }
          : {
              kind: 'retry',
              error: message,
              delayMs: backoffDelay({ baseMs: header.b, maxMs: header.x }, attempt),
            };
    } finally {
      counters.inFlight--;
    }
    await this.finish(job, attempt, outcome);
  }

  private async finish(job: StartedJob, attempt: number, outcome: JobOutcome): Promise<void> {
    const lag = await this.settle(job, outcome);
    if (lag === undefined) {
      this.queue.counters.takenOver++;
      return;
    }
    this.report(job, attempt, outcome, lag);
  }

  /** Settles with a few tries: after a Redis blip the job would otherwise run again after claimIdle. */
  private async settle(job: StartedJob, outcome: JobOutcome): Promise<number | undefined> {
    for (let tryNumber = 1; ; tryNumber++) {
      try {
        return await this.queue.settle(job, this.consumer, outcome);
      } catch (error) {
        if (tryNumber >= SETTLE_TRIES) throw error;
        await delay(100 * tryNumber);
      }
    }
  }

  private report(job: StartedJob, attempt: number, outcome: JobOutcome, lag: number): void {
    const counters = this.queue.counters;
    const what = `Write-behind job for "${job.key}" (writer ${job.header.w})`;
    switch (outcome.kind) {
      case 'done':
        counters.persisted++;
        counters.lag.observe(lag);
        return;
      case 'retry':
        counters.retries++;
        this.logger.warn(
          `${what} failed (attempt ${attempt} of ${job.header.m}): ${outcome.error}; retrying in ${outcome.delayMs} ms.`,
        );
        return;
      case 'dead':
        counters.deadLettered++;
        this.logger.error(
          `${what} failed ${attempt} time(s), moved to the dead-letter stream: ${outcome.error}. See cache.writeBehindQueue.deadLetters().`,
        );
    }
  }

  private tick(): void {
    this.housekeeping ??= this.keepHouse().finally(() => (this.housekeeping = undefined));
  }

  private async keepHouse(): Promise<void> {
    try {
      if (Date.now() - this.lastHeartbeat >= this.claimEveryMs) {
        this.lastHeartbeat = Date.now();
        await this.queue.heartbeat(this.consumer, [...this.active.keys()]);
      }
      if (!this.running) return;
      await this.queue.promoteDue(100);
      const free = this.queue.settings.concurrency - this.active.size;
      if (free > 0 && this.groupReady && Date.now() - this.lastClaim >= this.claimEveryMs) {
        this.lastClaim = Date.now();
        for (const [id, key] of await this.queue.claimAbandoned(this.consumer, free))
          this.dispatch(id, key);
      }
      if (Date.now() - this.lastSample >= SAMPLE_EVERY_MS) {
        this.lastSample = Date.now();
        await this.queue.sample();
      }
    } catch (error) {
      if (error instanceof Error && error.message.includes('NOGROUP')) this.groupReady = false;
      if (this.running) this.failed('housekeeping', error);
    }
  }

  private failed(what: string, error: unknown): void {
    // During an outage the connection has said so once already; one line per outage is enough.
    if (this.failing || !this.connection.health.available) return;
    this.failing = true;
    this.logger.warn(
      `Write-behind worker: ${what} failed (${error instanceof Error ? error.message : String(error)}); retrying. Queued jobs are kept in Redis.`,
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
