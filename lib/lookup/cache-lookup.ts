// The read path of get, mget, has, ttl, getOrSet and @Cacheable: one L1 probe, one batched Redis
// read, one hit or miss counted per key. Only a getOrSet miss goes further (single-flight.ts); a
// getOrSet hit costs a get hit plus the early-recompute check when the entry asks for it.
import type { CacheEvents } from '../events/cache-event-bus.js';
import {
  lookupChannel,
  traceLookup,
  traceOutcome,
  type LookupTraceContext,
} from '../events/tracing-channels.js';
import { KeySpace } from '../keys/key-space.js';
import type { ResolvedCacheOptions } from '../options/resolved-options.js';
import { RedisConnection } from '../redis/redis-connection.js';
import {
  policyFor,
  type ResiliencePolicy,
  type ResolvedResilience,
} from '../stampede/resilience-options.js';
import type { CacheClock } from '../time/clock.js';
import { EntryReader, type L1Hit, type MaybePromise } from './entry-reader.js';
import { FactoryRun } from './factory-run.js';
import {
  countCall,
  type Factory,
  type LookupCall,
  type LookupContext,
  type ResolvedGetOrSet,
} from './lookup-request.js';
import { SingleFlight } from './single-flight.js';

/** What peek() answers when Redis holds no entry for the key at all (L1 neither). */
export const ABSENT = Symbol('absent');

export class CacheLookup {
  private readonly policies = new WeakMap<ResolvedResilience, ResiliencePolicy>();

  constructor(
    private readonly options: ResolvedCacheOptions,
    private readonly keys: KeySpace,
    private readonly connection: RedisConnection,
    private readonly reader: EntryReader,
    private readonly flight: SingleFlight,
    private readonly runs: FactoryRun,
    private readonly events: CacheEvents,
    private readonly clock: CacheClock,
  ) {}

  /** A fresh value from L1 or Redis, or undefined (a stale entry is a miss). */
  get(key: string, context?: LookupContext): Promise<unknown> {
    const redisKey = this.redisKeyOf(key);
    if (typeof redisKey !== 'string') return redisKey;
    const l1TtlMs = this.reader.l1TtlFor(undefined, 0);
    return this.fresh(key, redisKey, context?.method, this.clock.now(), l1TtlMs);
  }

  getMany(keys: readonly string[], context?: LookupContext): Promise<unknown[]> {
    let redisKeys: string[];
    try {
      redisKeys = keys.map((key) => this.keys.entry(key));
    } catch (error) {
      return Promise.reject(error);
    }
    const now = this.clock.now();
    const l1TtlMs = this.reader.l1TtlFor(undefined, 0);
    const method = context?.method;
    // One read each, sent together: the tick's reads go to Redis as MGETs (read-batcher.ts).
    return Promise.all(keys.map((key, i) => this.fresh(key, redisKeys[i], method, now, l1TtlMs)));
  }

  /** Whether a fresh, valid entry exists (not counted as a hit or a miss). */
  async has(key: string): Promise<boolean> {
    const redisKey = this.keys.entry(key);
    const now = this.clock.now();
    if (this.reader.peekL1(key, now)) return true;
    const found = await this.reader.fromRedis(key, redisKey);
    return found !== undefined && found.freshUntil > now;
  }

  /** Seconds of freshness left (not counted as a hit or a miss); see RedisCacheService.ttl. */
  async ttl(key: string): Promise<number | undefined> {
    const redisKey = this.keys.entry(key);
    const { client, health } = this.connection;
    const [pttl, found] = await Promise.all([
      health.attempt(() => client.pttl(redisKey), 'read', redisKey),
      this.reader.fromRedis(key, redisKey),
    ]);
    if (pttl === undefined || pttl === -2 || !found) return undefined;
    // An entry kept for its grace period reports the freshness left, not its life in Redis: past
    // it, the entry counts as absent outside getOrSet.
    const freshUntil = found.entry.meta?.f;
    if (freshUntil !== undefined) {
      const left = freshUntil - this.clock.now();
      return left > 0 ? left / 1000 : undefined;
    }
    return pttl === -1 ? Number.POSITIVE_INFINITY : pttl / 1000;
  }

  /** `trace`: the lookup channel's context, given by the traced call to itself. */
  getOrSet<T>(
    key: string,
    factory: Factory<T>,
    options: ResolvedGetOrSet,
    context?: LookupContext,
    trace?: LookupTraceContext,
  ): Promise<T> {
    // Traced only with a subscriber (tracing-channels.ts): else this check is all it costs.
    if (lookupChannel.hasSubscribers && trace === undefined)
      return traceLookup(this.options.namespace, key, context?.method, (traced) =>
        this.getOrSet(key, factory, options, context, traced),
      );
    const redisKey = this.redisKeyOf(key);
    if (typeof redisKey !== 'string') return redisKey;
    const l1TtlMs = this.reader.l1TtlFor(options.l1, options.ttlMs);
    const now = this.clock.now();
    // An L1 hit is served without an await or a call record (made only for an early recomputation).
    if (l1TtlMs > 0) {
      const hit = this.reader.fromL1(key, now);
      if (hit !== undefined) {
        this.events.hit(key, 'l1', context?.method, false);
        if (trace) traceOutcome(trace, true, 'l1');
        return hit instanceof Promise
          ? hit.then((later) =>
              this.servedFromL1(key, redisKey, factory, options, context, l1TtlMs, later, now),
            )
          : Promise.resolve(
              this.servedFromL1(key, redisKey, factory, options, context, l1TtlMs, hit, now),
            );
      }
    }
    return this.fromRedisOrFactory(
      this.callOf(key, redisKey, factory, options, context, l1TtlMs, undefined, trace),
      now,
    );
  }

  private callOf<T>(
    key: string,
    redisKey: string,
    factory: Factory<T>,
    options: ResolvedGetOrSet,
    context: LookupContext | undefined,
    l1TtlMs: number,
    hit?: boolean,
    trace?: LookupTraceContext,
  ): LookupCall<T> {
    const policy = options.resilience ? this.policyOf(options.resilience) : this.options.resilience;
    // `hit` is always set: setting it later then changes no object layout.
    return { key, redisKey, factory, options, policy, context, l1TtlMs, hit, trace };
  }

  /** A getOrSet's L1 hit: its value, after an early recomputation if the entry is due one. */
  private servedFromL1<T>(
    key: string,
    redisKey: string,
    factory: Factory<T>,
    options: ResolvedGetOrSet,
    context: LookupContext | undefined,
    l1TtlMs: number,
    hit: L1Hit,
    now: number,
  ): T {
    if (hit.meta?.d !== undefined)
      this.runs.considerEarly(
        this.callOf(key, redisKey, factory, options, context, l1TtlMs, true),
        hit.meta,
        now,
      );
    return hit.value as T;
  }

  private fromRedisOrFactory<T>(call: LookupCall<T>, now: number): Promise<T> {
    const { key, redisKey, options, policy, l1TtlMs } = call;
    const stamp = this.reader.stamp();
    const startedMs = Date.now();
    // Only lookups that may skip the plain read (the miss rate in single-flight.ts) have their rate
    // tracked.
    const readFirstable = policy.lock !== false && options.tags.length === 0;
    if (readFirstable && this.flight.readsWithAttempt(call, call.context?.seenAbsent === true))
      return this.flight.obtain(call, undefined, now, startedMs, stamp);
    return this.reader.fromRedis(key, redisKey, options.tags).then((found) => {
      const fresh = found !== undefined && found.freshUntil > now;
      if (readFirstable) this.flight.recordRead(!fresh);
      if (!fresh)
        return this.flight.obtain(call, policy.graceMs > 0 ? found : undefined, now, startedMs);
      countCall(this.events, call, true);
      if (l1TtlMs > 0) this.reader.keep(key, found, l1TtlMs, stamp);
      if (found.entry.meta?.d !== undefined) this.runs.considerEarly(call, found.entry.meta, now);
      return found.entry.value as T;
    });
  }

  /**
   * getOrSet's hit path alone, for a caller that runs the factory later (an HTTP response served
   * before Nest runs the route): a fresh value needing no early recomputation, counted as a
   * getOrSet hit; else undefined, or ABSENT when Redis holds no entry (the following getOrSet may
   * skip its read), uncounted.
   */
  peek(key: string, options: ResolvedGetOrSet, context?: LookupContext): Promise<unknown> {
    const redisKey = this.redisKeyOf(key);
    if (typeof redisKey !== 'string') return redisKey;
    const l1TtlMs = this.reader.l1TtlFor(options.l1, options.ttlMs);
    const now = this.clock.now();
    const method = context?.method;
    if (l1TtlMs > 0) {
      // Probed without counting first: an L1 miss is counted by the getOrSet that follows.
      const kept = this.reader.peekL1(key, now);
      if (kept?.meta?.d !== undefined) return Promise.resolve(undefined);
      if (kept) return this.l1Value(key, method, this.reader.l1Hit(key, kept));
    }
    const stamp = this.reader.stamp();
    return this.reader.fromRedis(key, redisKey, options.tags).then((found) => {
      if (found === undefined) return ABSENT;
      if (found.freshUntil <= now || found.entry.meta?.d !== undefined) return undefined;
      this.events.hit(key, 'redis', method, false);
      if (l1TtlMs > 0) this.reader.keep(key, found, l1TtlMs, stamp);
      return found.entry.value;
    });
  }

  private fresh(
    key: string,
    redisKey: string,
    method: string | undefined,
    now: number,
    l1TtlMs: number,
  ): Promise<unknown> {
    if (l1TtlMs > 0) {
      const hit = this.reader.fromL1(key, now);
      if (hit !== undefined) return this.l1Value(key, method, hit);
    }
    const stamp = this.reader.stamp();
    return this.reader.fromRedis(key, redisKey).then((found) => {
      if (found === undefined || found.freshUntil <= now) {
        this.events.miss(key, method);
        return undefined;
      }
      this.events.hit(key, 'redis', method, false);
      if (l1TtlMs > 0) this.reader.keep(key, found, l1TtlMs, stamp);
      return found.entry.value;
    });
  }

  private l1Value(key: string, method: string | undefined, hit: MaybePromise<L1Hit>) {
    this.events.hit(key, 'l1', method, false);
    return hit instanceof Promise ? hit.then((later) => later.value) : Promise.resolve(hit.value);
  }

  /** The entry's Redis key, or a rejection for a bad key (the callers are not async). */
  private redisKeyOf(key: string): string | Promise<never> {
    try {
      return this.keys.entry(key);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private policyOf(resilience: ResolvedResilience): ResiliencePolicy {
    let policy = this.policies.get(resilience);
    if (!policy)
      this.policies.set(resilience, (policy = policyFor(resilience, this.options.resilience)));
    return policy;
  }
}
