// Runs queued write-behind jobs: one ShardReader per shard, up to `concurrency` persister calls,
// a job acknowledged only after its persister resolved (at least once). A timer heartbeats held
// jobs, takes over dead workers' (XAUTOCLAIM after claimIdle) and promotes due retries.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { CacheLogger } from '../events/cache-logger.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { describeRedisError } from '../redis/redis-error-kind.js';
import { parseBody, type WriteBehindShard } from './write-behind-job.js';
import { backoffDelay } from './write-behind-options.js';
import {
  SAMPLE_EVERY_MS,
  WriteBehindQueue,
  type JobOutcome,
  type StartedJob,
} from './write-behind-queue.js';
import { delay, ShardReader } from './write-behind-shard-reader.js';
import { WriterRegistry } from './writer-registry.js';

const SETTLE_TRIES = 3;

export class WriteBehindWorker {
  /** This worker's consumer name in the group: unique per process and start. */
  readonly consumer = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** Notifications delivered to this worker, running or waiting for a slot, by `shard/id`. */
  private readonly active = new Map<
    string,
    { shard: WriteBehindShard; id: string; run: Promise<void> }
  >();
  private readers: ShardReader[] = [];
  running = false;
  private bootstrapped = false;
  private shuttingDown = false;
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
  private roomWaiters: (() => void)[] = [];
  stopped!: Promise<void>;
  private signalStop: () => void = () => undefined;

  constructor(
    private readonly queue: WriteBehindQueue,
    private readonly writers: WriterRegistry,
    private readonly connection: RedisConnection,
    private readonly logger: CacheLogger,
  ) {
    writers.onRegister(() => this.startIfNeeded());
  }

  /** Called once the app's writers are registered (after the explorer ran). */
  bootstrap(): void {
    this.bootstrapped = true;
    this.startIfNeeded();
  }

  /** Only with a writer: an instance without one never takes (and fails) jobs others could run. */
  private startIfNeeded(): void {
    const { worker } = this.queue.settings;
    if (this.bootstrapped && !this.shuttingDown && worker && this.writers.size > 0) this.start();
  }

  /** Stops for good, before the cache's connection closes (settling a job still works). */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await this.stop();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.queue.counters.worker = true;
    this.stopped = new Promise((resolve) => (this.signalStop = resolve));
    this.readers = this.queue.shards.map(
      (shard) => new ShardReader(shard, this.queue, this.connection, this),
    );
    for (const reader of this.readers) reader.start();
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

  /** Jobs still running after drainTimeout, or not started, stay queued for another worker. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.queue.counters.worker = false;
    this.signalStop();
    this.wake();
    for (const waiter of this.slotWaiters.splice(0)) waiter.resolve(false);
    await Promise.all(this.readers.map((reader) => reader.stop()));
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
    for (const reader of this.readers) reader.close();
    this.readers = [];
  }

  room(): number {
    return this.queue.settings.concurrency - this.active.size;
  }

  /** Resolves when a job finished (or the worker stops). */
  waitForRoom(): Promise<void> {
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private wake(): void {
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  }

  /**
   * `alone`: a job taken over from a dead worker runs with no other job beside it, so if its
   * persister crashes the process, it uses up its own attempts and nobody else's.
   */
  dispatch(shard: WriteBehindShard, id: string, key: string, alone = false): void {
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
    const job = await this.queue.begin(shard, key, notification);
    if (!job) return;
    const { header } = job;
    // Every attempt used up by workers that died while running it: never run it again.
    if (job.exhausted)
      return this.finish(job, {
        kind: 'dead',
        error: header.r ?? 'the worker died during the attempt',
      });
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
      const info = {
        key,
        sequence: header.i,
        attempt: header.a,
        writes: header.n,
        enqueuedAt: new Date(header.e),
        synchronous: false,
      };
      await writer(parseBody(job.body), info);
      counters.persistLatency.observe(performance.now() - started);
      outcome = { kind: 'done' };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const delayMs = backoffDelay({ baseMs: header.b, maxMs: header.x }, header.a);
      outcome =
        header.a >= header.m
          ? { kind: 'dead', error: message }
          : { kind: 'retry', error: message, delayMs };
    } finally {
      counters.inFlight--;
    }
    await this.finish(job, outcome);
  }

  private async finish(job: StartedJob, outcome: JobOutcome): Promise<void> {
    let lag: number | undefined;
    // A few tries: after a Redis blip the job would otherwise run again after claimIdle.
    for (let tryNumber = 1; ; tryNumber++) {
      try {
        lag = await this.queue.settle(job, this.consumer, outcome);
        break;
      } catch (error) {
        if (tryNumber >= SETTLE_TRIES) throw error;
        await delay(100 * tryNumber);
      }
    }
    const counters = this.queue.counters;
    if (lag === undefined) {
      counters.takenOver++;
      return;
    }
    const attempt = job.header.a;
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
    // Real time, not the cache's clock: heartbeats race Redis's idle times (XAUTOCLAIM), and
    // retries and delays are scheduled on Redis's TIME in the queue's scripts.
    try {
      if (Date.now() - this.lastHeartbeat >= this.claimEveryMs) {
        this.lastHeartbeat = Date.now();
        await Promise.all(
          this.queue.shards.map((shard) =>
            this.queue.heartbeat(
              shard,
              this.consumer,
              [...this.active.values()].filter((job) => job.shard === shard).map((job) => job.id),
            ),
          ),
        );
      }
      if (!this.running) return;
      await Promise.all(this.queue.shards.map((shard) => this.queue.promoteDue(shard, 100)));
      if (Date.now() - this.lastClaim >= this.claimEveryMs) {
        this.lastClaim = Date.now();
        for (const reader of this.readers) {
          const room = this.room();
          if (room <= 0) break;
          if (!reader.groupReady) continue;
          const claimed = await this.queue.claimAbandoned(reader.shard, this.consumer, room);
          for (const [id, key] of claimed) this.dispatch(reader.shard, id, key, true);
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

  failed(what: string, error: unknown): void {
    // During an outage the connection has said so once already; one line per outage is enough.
    if (this.failing || !this.connection.health.available) return;
    this.failing = true;
    this.logger.warn(
      `Write-behind worker: ${what} failed (${describeRedisError(error)}); retrying. Queued jobs are kept in Redis.`,
    );
  }

  recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.log('Write-behind worker: Redis is reachable again; processing jobs.');
  }
}
