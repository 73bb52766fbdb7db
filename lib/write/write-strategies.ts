// Write-through: persist, then cache (a failed persist leaves the cache as it was). Write-behind:
// cache and queue, persist later in a worker; when Redis cannot take the job, persist right away
// instead (write-through) so no write is lost.
import type { CacheLogger } from '../events/cache-logger.js';
import {
  CacheConfigError,
  UnknownWriterError,
  WriteBehindNotDurableError,
} from '../errors/errors.js';
import { KeySpace } from '../keys/key-space.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { describeRedisError, isCommandError } from '../redis/redis-error-kind.js';
import { knownOptions, mustBe } from '../options/option-kit.js';
import { jobHeader, serializeBody } from './write-behind-job.js';
import {
  JOB_OPTION_NAMES,
  resolveJobOptions,
  type WriteBehindJobOptions,
} from './write-behind-options.js';
import { WRITE_OPTION_NAMES, type CacheWriteOptions } from './cache-write-options.js';
import { WriteBehindQueue } from './write-behind-queue.js';
import { WriterRegistry } from './writer-registry.js';
import type { ResolvedJobOptions } from '../options/resolved-options.js';

const CALL_OPTION_NAMES = [...WRITE_OPTION_NAMES, ...JOB_OPTION_NAMES];

/** What the strategies write the cache with (the engine builds it over its entry writer). */
export interface CacheWriteTarget {
  set(key: string, value: unknown, options?: CacheWriteOptions): Promise<void>;
  /** set() that never fails for what the value is: an unstorable value is reported, not thrown. */
  setComputed(key: string, value: unknown, options?: CacheWriteOptions): Promise<void>;
  del(...keys: string[]): Promise<number>;
}

/** Options of `cache.writeBehind()`. */
export interface WriteBehindOptions extends CacheWriteOptions, WriteBehindJobOptions {}

/** One write-behind request, its options already validated. */
export interface WriteBehindRequest {
  key: string;
  value: unknown;
  writer: string;
  /** Given to the writer: the value for handlers, the argument list for @WriteBehind methods. */
  data: unknown;
  cache: CacheWriteOptions;
  job: ResolvedJobOptions;
}

export class WriteStrategies {
  /** Set during an outage so the fallback is logged once per outage, not once per write. */
  private fallingBack = false;

  constructor(
    readonly queue: WriteBehindQueue,
    private readonly writers: WriterRegistry,
    private readonly connection: RedisConnection,
    private readonly keys: KeySpace,
    private readonly logger: CacheLogger,
  ) {}

  async writeThrough<R>(
    cache: CacheWriteTarget,
    key: string,
    value: unknown,
    persist: () => R | Promise<R>,
    options?: CacheWriteOptions,
  ): Promise<R> {
    if (typeof persist !== 'function')
      throw new CacheConfigError(
        'writeThrough().persist',
        mustBe('a function that saves the value', persist),
      );
    this.keys.entry(key); // an invalid key fails before anything is persisted
    return this.persistThenCache(cache, key, persist, () => value, options);
  }

  /** Caches valueOf(result); `undefined` or an unstorable value (reported) drops the entry. */
  async persistThenCache<R>(
    cache: CacheWriteTarget,
    key: string,
    persist: () => R | Promise<R>,
    valueOf: (result: R) => unknown,
    options?: CacheWriteOptions,
  ): Promise<R> {
    const counts = this.queue.counters.writeThrough;
    let result: R;
    try {
      result = await persist();
    } catch (error) {
      counts.failed++;
      throw error;
    }
    counts.succeeded++;
    const value = valueOf(result);
    await (value === undefined ? cache.del(key) : cache.setComputed(key, value, options));
    return result;
  }

  async writeBehind(
    cache: CacheWriteTarget,
    key: string,
    value: unknown,
    writer: string,
    options: WriteBehindOptions = {},
  ): Promise<void> {
    knownOptions(options, CALL_OPTION_NAMES, 'writeBehind()');
    const job = resolveJobOptions(options, this.queue.settings, 'writeBehind()');
    const { ttl, tags } = options;
    await this.submit(cache, { key, value, writer, data: value, cache: { ttl, tags }, job });
  }

  /** Resolves when Redis acknowledged both the value and the job. */
  async submit(cache: CacheWriteTarget, request: WriteBehindRequest): Promise<void> {
    const { key, writer } = request;
    this.keys.entry(key); // an invalid key fails before anything is persisted or queued
    if (!this.writers.get(writer)) throw new UnknownWriterError(writer, key, this.writers.names());
    const body = serializeBody(request.data, key, writer);
    if (!this.connection.health.usable())
      return this.fallback(cache, request, 'Redis unreachable (the connection is not usable)');
    await cache.set(key, request.value, request.cache);
    try {
      await this.queue.enqueue(key, jobHeader(writer, request.job), body);
    } catch (error) {
      // Queued, but not on enough replicas (writeBehind.durability): not acknowledged, and not
      // persisted here too, since the queued job will run.
      if (error instanceof WriteBehindNotDurableError) throw error;
      // A reply (an ACL refusal, OOM...) is no outage: say what Redis refused.
      const reason = isCommandError(error)
        ? `Redis refused the job (${describeRedisError(error)})`
        : `Redis unreachable (${describeRedisError(error)})`;
      return this.fallback(cache, request, reason);
    }
    if (this.fallingBack) {
      this.fallingBack = false;
      this.logger.log('Redis takes write-behind jobs again; writes are queued.');
    }
  }

  /** Redis cannot take the job: persist now (write-through), then cache (skipped if Redis is down). */
  private async fallback(
    cache: CacheWriteTarget,
    request: WriteBehindRequest,
    reason: string,
  ): Promise<void> {
    const counters = this.queue.counters;
    counters.fallbacks++;
    const message = `${reason}: write-behind for "${request.key}" (writer ${request.writer}) persisted synchronously (write-through fallback)`;
    // Without Redis on purpose (the testing module's disabled cache) this is no news.
    if (!this.fallingBack && !this.connection.disabled) {
      this.fallingBack = true;
      this.logger.warn(
        `${message}; further fallbacks are counted in stats().writeBehind.fallbacks.`,
      );
    } else {
      this.logger.debug(message);
    }
    const info = { sequence: 0, attempt: 1, writes: 1, enqueuedAt: new Date(), synchronous: true };
    const writer = this.writers.get(request.writer)!;
    try {
      await counters.persist(() => writer(request.data, { key: request.key, ...info }));
    } catch (error) {
      // The cache may already hold the value (Redis failed between the two writes): a miss is safe.
      await cache.del(request.key).catch(() => undefined);
      throw error;
    }
    counters.persisted++;
    await cache.set(request.key, request.value, request.cache);
  }
}
