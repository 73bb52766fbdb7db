// getOrSet's engine: L1, then Redis, then the factory — computed by one caller in the whole fleet
// (distributed lock; the others wait for the value, woken over pub/sub), with stale values served
// during the grace period while one refresh runs, the factory's failures and timeouts hidden by
// the stale value (fail-safe, with a back-off), and hot keys recomputed early in the background
// (XFetch). Without these options a hit costs what it always did: one GET and a decode.
import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import type { DecodedEntry, EncodedValue, EntryCodec, EntryMeta } from '../codec/entry-codec.js';
import { CacheFactoryTimeoutError } from '../errors/factory-timeout.error.js';
import { CacheLockTimeoutError } from '../errors/lock-timeout.error.js';
import type { KeySpace } from '../keys/key-space.js';
import type { CacheStats } from '../metrics/cache-stats.js';
import { LuaScript } from '../redis/lua-script.js';
import { setEntry } from '../redis/set-entry.js';
import type { RedisHealth } from '../redis/redis-health.js';
import type { LookupContext, ResolvedGetOrSet } from '../service/get-or-set-options.js';
import type { TagReservation } from '../tags/tag-reservation.js';
import type { KnownTagVersions, TagVersionStore } from '../tags/tag-version-store.js';
import type { CacheBus } from '../tiers/cache-bus.js';
import type { L1Cache } from '../tiers/l1-cache.js';
import { l1Value, l1ValueNow } from '../tiers/l1-value.js';
import { DistributedLock, type HeldLock } from './distributed-lock.js';
import { MissRate } from './miss-rate.js';
import { policyFor } from './resilience-options.js';
import { emptyStampedeStats, type StampedeStats } from './stampede-stats.js';
import { shouldRecomputeEarly } from './xfetch.js';
import type { ResiliencePolicy } from '../options/resolved-options.js';

const extendStale = LuaScript.load('extend-stale');
/** Re-check period of a waiter while the subscriber connection is not (yet) listening. */
const NO_PUBSUB_RECHECK_MS = 200;

export interface LookupDeps {
  client: Redis | Cluster;
  isCluster: boolean;
  health: RedisHealth;
  codec: EntryCodec;
  tags: TagVersionStore;
  keys: KeySpace;
  counters: CacheStats;
  bus: CacheBus;
  defaults: ResiliencePolicy;
  /** A GET (coalesced with the other reads of the tick); rejects when Redis fails. */
  readRaw(redisKey: string): Promise<Buffer | null>;
  /** Decodes an entry, undefined if corrupt or invalidated by tag. */
  decodeValid(
    key: string,
    raw: Buffer,
    known?: KnownTagVersions,
  ): Promise<DecodedEntry | undefined>;
  /** Serializes a value; throws CacheSerializationError. */
  encode(key: string, value: unknown): Promise<EncodedValue>;
}

/** An entry read from Redis, with the bytes it was read as (for compare-and-set). */
interface Found {
  raw: Buffer;
  entry: DecodedEntry;
  freshUntil: number;
}

type Factory<T> = () => T | Promise<T>;

/** How an L2 hit is kept in L1: the eviction stamp taken before the read, and the L1 TTL. */
interface L2Read {
  stamp: number;
  l1TtlMs: number;
}

/** One getOrSet call as the engine runs it: what every step needs, passed around as one record. */
interface LookupCall<T> {
  key: string;
  redisKey: string;
  factory: Factory<T>;
  options: ResolvedGetOrSet;
  /** The module's protection defaults with this call's options on top. */
  policy: ResiliencePolicy;
  context: LookupContext | undefined;
}

type Outcome<T> =
  { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

export class ResilientLookup {
  readonly stats: StampedeStats = emptyStampedeStats();
  private readonly logger = new Logger('RedisCache');
  private readonly locks: DistributedLock;
  private readonly l1: L1Cache | undefined;
  /** Computations of this process by Redis key, including those outliving their lookup. */
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly earlyPending = new Set<string>();
  private readonly missRate = new MissRate();
  private warnedNoL1 = false;

  constructor(private readonly deps: LookupDeps) {
    this.locks = new DistributedLock(deps.client, deps.isCluster, deps.health, deps.keys);
    this.l1 = deps.bus.l1;
  }

  /** get(): a fresh value from L1 or Redis, or undefined (a stale entry is a miss). */
  async get(key: string, redisKey: string, method: string | undefined): Promise<unknown> {
    const l1TtlMs = this.l1TtlFor(undefined, 0);
    const now = Date.now();
    if (l1TtlMs > 0) {
      const hit = await this.fromL1(key, now);
      if (hit) {
        this.deps.counters.record(true, method);
        return hit.value;
      }
    }
    const stamp = this.l1?.stamp() ?? 0;
    const found = await this.readL2(key, redisKey);
    const fresh = found !== undefined && found.freshUntil > now;
    this.deps.counters.record(fresh, method);
    if (!fresh) return undefined;
    if (l1TtlMs > 0) this.remember(key, found, l1TtlMs, stamp);
    return found.entry.value;
  }

  /**
   * A fresh L1 hit served without a single await (a copy made synchronously, or the frozen
   * value), or undefined: no L1 for this call, an L1 miss, or a compressed entry. The caller then
   * takes the full path, which counts the miss. This is what makes an L1 hit cost microseconds.
   */
  l1HitNow<T>(
    key: string,
    redisKey: string,
    factory: Factory<T>,
    options: ResolvedGetOrSet,
    context: LookupContext | undefined,
  ): { value: T } | undefined {
    const l1 = this.l1;
    if (!l1 || this.l1TtlFor(options.l1, options.ttlMs) <= 0) return undefined;
    const now = Date.now();
    const hit = l1.get(key);
    if (!hit || hit.freshUntil <= now) return undefined;
    const decoded = l1ValueNow(l1, key, hit, this.deps.codec);
    if (!decoded) return undefined;
    l1.hits++;
    this.record(true, context);
    if (hit.meta?.d !== undefined) {
      const policy = options.resilience
        ? policyFor(options.resilience, this.deps.defaults)
        : this.deps.defaults;
      this.considerEarly({ key, redisKey, factory, options, policy, context }, hit.meta, now);
    }
    return { value: decoded.value as T };
  }

  async lookup<T>(
    key: string,
    redisKey: string,
    factory: Factory<T>,
    options: ResolvedGetOrSet,
    context: LookupContext | undefined,
  ): Promise<T> {
    const policy = options.resilience
      ? policyFor(options.resilience, this.deps.defaults)
      : this.deps.defaults;
    const call: LookupCall<T> = { key, redisKey, factory, options, policy, context };
    const l1TtlMs = this.l1TtlFor(options.l1, options.ttlMs);
    const now = Date.now();
    if (l1TtlMs > 0) {
      const hit = await this.fromL1(key, now);
      if (hit) {
        this.record(true, context);
        this.considerEarly(call, hit.meta, now);
        return hit.value as T;
      }
    }
    const stamp = this.l1?.stamp() ?? 0;
    // Lookups that may skip the plain read (miss-rate.ts) are the ones whose rate is tracked.
    const readFirstable = policy.lock !== false && options.tags.length === 0;
    if (
      readFirstable &&
      this.missRate.high &&
      !this.running.has(redisKey) &&
      this.locks.readsWithAttempt(key, redisKey)
    )
      return this.obtain(call, undefined, now, { stamp, l1TtlMs });
    const found = await this.readL2(key, redisKey, options.tags);
    const fresh = found !== undefined && found.freshUntil > now;
    if (readFirstable) this.missRate.record(!fresh);
    if (fresh) return this.hitFromL2(call, found, now, { stamp, l1TtlMs });
    const stale = policy.graceMs > 0 ? found : undefined;
    return this.obtain(call, stale, now);
  }

  /** A fresh entry read from Redis: counted, kept in L1, maybe recomputed early. */
  private hitFromL2<T>(call: LookupCall<T>, found: Found, now: number, read: L2Read): T {
    this.record(true, call.context);
    if (read.l1TtlMs > 0) this.remember(call.key, found, read.l1TtlMs, read.stamp);
    this.considerEarly(call, found.entry.meta, now);
    return found.entry.value as T;
  }

  private record(hit: boolean, context: LookupContext | undefined): void {
    this.deps.counters.record(hit, context?.method);
    context?.onOutcome?.(hit);
  }

  /** Metadata to write with an entry set directly (set/mset), so L1 never outlives it. */
  writeMeta(ttlMs: number): EntryMeta | undefined {
    return this.l1 && ttlMs > 0 ? { f: Date.now() + ttlMs } : undefined;
  }

  /** After set/mset/del: this instance's L1 drops the keys, and so does every other's. */
  async keysChanged(keys: string[]): Promise<void> {
    if (!this.l1 || keys.length === 0) return;
    this.l1.evictKeys(keys);
    await this.deps.bus.keysChanged(keys);
  }

  async tagsInvalidated(tags: string[]): Promise<void> {
    if (!this.l1) return;
    this.l1.evictTags(tags);
    await this.deps.bus.tagsInvalidated(tags);
  }

  async cleared(): Promise<void> {
    if (!this.l1) return;
    this.l1.clear();
    await this.deps.bus.cleared();
  }

  resetStats(): void {
    Object.assign(this.stats, emptyStampedeStats());
    this.l1?.resetStats();
  }

  /**
   * A miss or a stale entry: compute, wait for whoever computes, or serve stale. With `unread`,
   * the entry has not been read yet (miss-heavy traffic): the first lock attempt reads it and is
   * made only if it is absent, and a fresh entry found there is a hit.
   */
  private async obtain<T>(
    call: LookupCall<T>,
    stale: Found | undefined,
    startedAt: number,
    unread?: L2Read,
  ): Promise<T> {
    const { key, redisKey, policy, context } = call;
    const local = this.running.get(redisKey) as Promise<T> | undefined;
    if (local) return this.serve(call, local, stale, startedAt);
    const lock = policy.lock;
    if (!lock) return this.serve(call, this.compute(call, stale), stale, startedAt);
    // Listen before trying the lock, so a value written right after the attempt is not missed.
    const watch = this.deps.bus.watch(key);
    let waited = false;
    try {
      for (;;) {
        // The entry is read in the same step as the attempt: whoever held the lock before may
        // have written the value just now.
        const firstRead = unread;
        unread = undefined;
        const attempt = await this.locks.tryAcquire(key, redisKey, lock.leaseMs, !!firstRead);
        if (attempt === undefined) {
          // Redis cannot coordinate (unavailable): compute here, as without a lock.
          return this.serve(call, this.compute(call, stale), stale, startedAt);
        }
        const again = attempt.entry ? await this.found(key, attempt.entry) : undefined;
        const held = attempt.lock;
        if (firstRead) {
          const fresh = again !== undefined && again.freshUntil > startedAt;
          this.missRate.record(!fresh);
          if (fresh) return this.hitFromL2(call, again, startedAt, firstRead);
          if (again && policy.graceMs > 0) stale = again;
        }
        // Not tried, the entry being there (stale, or invalid): try it now.
        if (held === null) continue;
        if (typeof held !== 'number') {
          if (again && again.freshUntil > Date.now()) {
            await this.release(held, key);
            this.record(!waited, context);
            return again.entry.value as T;
          }
          const latestStale = policy.graceMs > 0 ? again : undefined;
          const work = this.compute(call, latestStale, held);
          return this.serve(call, work, latestStale, startedAt);
        }
        // Held by another caller, who may already have written the value.
        if (again && again.freshUntil > Date.now()) {
          this.record(!waited, context);
          return again.entry.value as T;
        }
        if (!waited) {
          waited = true;
          this.stats.lockWaits++;
        }
        const elapsed = Date.now() - startedAt;
        const staleLimit = stale ? limitOf(policy.softTimeoutMs, policy.hardTimeoutMs) : Infinity;
        const hardLimit = policy.hardTimeoutMs === false ? Infinity : policy.hardTimeoutMs;
        const limit = Math.min(lock.waitMs, hardLimit, staleLimit);
        if (elapsed >= limit) {
          if (stale) return this.serveStale(stale, context);
          if (hardLimit <= lock.waitMs) {
            this.record(false, context);
            this.stats.factoryTimeouts++;
            throw new CacheFactoryTimeoutError(key, hardLimit);
          }
          this.stats.lockTimeouts++;
          if (lock.onTimeout === 'throw') {
            this.record(false, context);
            throw new CacheLockTimeoutError(key, lock.waitMs);
          }
          return this.serve(call, this.compute(call, undefined), undefined, startedAt);
        }
        const budget = Math.min(limit - elapsed, held + 5);
        if (this.deps.bus.live) {
          // Woken by the holder's write, or at the latest when its lease would run out (it may
          // have died): a slow safety re-check, not a polling loop.
          await watch.wait(budget);
        } else if (!(await this.deps.bus.whenSubscribed(Math.min(budget, NO_PUBSUB_RECHECK_MS)))) {
          // No pub/sub (yet): look again every so often instead of waiting for a message.
          await watch.wait(Math.min(budget, NO_PUBSUB_RECHECK_MS));
        }
        const current = await this.readL2(key, redisKey);
        if (current && current.freshUntil > Date.now()) {
          this.record(false, context);
          return current.entry.value as T;
        }
        if (current && policy.graceMs > 0) stale = current;
      }
    } finally {
      watch.stop();
    }
  }

  /** Hands a computation's outcome to the caller, or the stale value when it fails or is slow. */
  private async serve<T>(
    call: LookupCall<T>,
    work: Promise<T>,
    stale: Found | undefined,
    startedAt: number,
  ): Promise<T> {
    const { key, policy, context } = call;
    const elapsed = Date.now() - startedAt;
    if (!stale) {
      this.record(false, context);
      if (policy.hardTimeoutMs === false) return work;
      const outcome = await settleWithin(work, policy.hardTimeoutMs - elapsed);
      if (outcome.kind === 'value') return outcome.value;
      if (outcome.kind === 'error') throw outcome.error;
      this.stats.factoryTimeouts++;
      throw new CacheFactoryTimeoutError(key, policy.hardTimeoutMs);
    }
    const limit = limitOf(policy.softTimeoutMs, policy.hardTimeoutMs) - elapsed;
    const outcome: Outcome<T> = limit <= 0 ? { kind: 'timeout' } : await settleWithin(work, limit);
    if (outcome.kind === 'value') {
      this.record(false, context);
      return outcome.value;
    }
    if (outcome.kind === 'error') {
      this.stats.failSafe++;
      this.logger.warn(
        `Factory for "${key}" failed; serving the stale value (fail-safe): ${describe(outcome.error)}`,
      );
    } else if (policy.hardTimeoutMs !== false && Date.now() - startedAt >= policy.hardTimeoutMs) {
      this.stats.failSafe++;
    }
    return this.serveStale(stale, context);
  }

  private serveStale<T>(stale: Found, context: LookupContext | undefined): T {
    this.stats.staleServed++;
    this.record(true, context);
    return stale.entry.value as T;
  }

  /**
   * Runs the factory once and stores its value, holding (and renewing) the lock if given. Runs
   * to the end even if the caller stopped waiting; registered so this process starts no other.
   */
  private compute<T>(call: LookupCall<T>, stale: Found | undefined, held?: HeldLock): Promise<T> {
    const { redisKey } = call;
    const work = this.runFactory(call, stale, held);
    this.running.set(redisKey, work);
    void work.then(
      () => this.forget(redisKey, work),
      () => this.forget(redisKey, work),
    );
    return work;
  }

  private forget(redisKey: string, work: Promise<unknown>): void {
    if (this.running.get(redisKey) === work) this.running.delete(redisKey);
  }

  private async runFactory<T>(
    call: LookupCall<T>,
    stale: Found | undefined,
    held: HeldLock | undefined,
  ): Promise<T> {
    const { key, factory, options, context } = call;
    let announced = false;
    let reservation: TagReservation | undefined;
    try {
      const { tags } = options;
      // Tag versions are taken before the factory runs: an invalidation during the factory wins.
      reservation =
        tags.length > 0
          ? await this.deps.health.attempt(() => this.deps.tags.reserve(tags), 'write')
          : undefined;
      const started = performance.now();
      const value = await factory();
      const tookMs = Math.round(performance.now() - started);
      if (value === undefined || (context?.shouldStore && !context.shouldStore(value)))
        return value;
      if (tags.length > 0 && !reservation) return value;
      announced = await this.store(call, value, reservation, tookMs, held);
      return value;
    } catch (error) {
      if (stale) await this.backOff(call, stale);
      throw error;
    } finally {
      // Tags created for a value that was not stored go now (they are nobody's).
      await reservation?.end(this.deps.health);
      // Not awaited: the caller has its value. After a write the lock is already released (in
      // the write's script) and this only wakes whoever waited, if the write did not.
      if (held) void this.release(held, key, announced);
    }
  }

  /** Writes the computed value; true when the write was announced to the other instances. */
  private async store<T>(
    call: LookupCall<T>,
    value: T,
    reservation: TagReservation | undefined,
    tookMs: number,
    held: HeldLock | undefined,
  ): Promise<boolean> {
    const { key, redisKey, options, policy } = call;
    const encoded = await this.deps.encode(key, value);
    const { ttlMs } = options;
    const meta: EntryMeta = {};
    if (reservation) meta.tags = reservation.versions;
    if (ttlMs > 0 && (policy.graceMs > 0 || policy.beta > 0 || this.l1))
      meta.f = Date.now() + ttlMs;
    if (ttlMs > 0 && policy.beta > 0) meta.d = tookMs;
    const raw = this.deps.codec.assemble(encoded, meta);
    const physicalTtlMs = ttlMs > 0 ? ttlMs + policy.graceMs : 0;
    const stamp = this.l1?.stamp() ?? 0;
    // Under a lock, the write releases it in the same step and tells whether anybody waited. A
    // tagged entry is stored with its tags in one step; its lock is released after it.
    const written = reservation
      ? await this.deps.health.attempt(
          () => reservation.storeEntry(redisKey, raw, physicalTtlMs),
          'write',
        )
      : held
        ? await this.locks.writeAndRelease(held, redisKey, raw, physicalTtlMs)
        : await this.deps.health.attempt(
            () => setEntry(this.deps.client, redisKey, raw, physicalTtlMs).then(() => false),
            'write',
          );
    if (written === undefined) return false;
    const l1TtlMs = this.l1 ? this.l1TtlFor(options.l1, ttlMs) : 0;
    if (l1TtlMs > 0) this.l1!.put(key, raw, meta, l1TtlMs, stamp);
    // Other instances' L1 must drop their copy, and waiters read the value. Not awaited: the
    // publish is sent after the write and cannot fail the call.
    if (!this.l1 && !written) return false;
    void this.deps.bus.keysChanged([key]);
    return true;
  }

  /**
   * Releases a lock; whoever waited for it is woken (unless the write already told them): to read
   * the value, or to take over when nothing was written.
   */
  private async release(held: HeldLock, key: string, announced = false): Promise<void> {
    const waited = await held.release();
    if (waited && !announced) await this.deps.bus.keysChanged([key]);
  }

  /** Fail-safe back-off: the stale value counts as fresh for a while, so the origin rests. */
  private async backOff(call: LookupCall<unknown>, stale: Found): Promise<void> {
    const { redisKey, policy } = call;
    const meta: EntryMeta = { ...stale.entry.meta, f: Date.now() + policy.graceBackoffMs };
    const raw = this.deps.codec.withMeta(stale.raw, meta);
    await this.deps.health.attempt(
      () => extendStale.run(this.deps.client, [redisKey], [stale.raw, raw, policy.graceBackoffMs]),
      'write',
    );
  }

  /** XFetch: maybe start one background recomputation of a hot key before it expires. */
  private considerEarly<T>(call: LookupCall<T>, meta: EntryMeta | undefined, now: number): void {
    const { key, redisKey, policy } = call;
    if (policy.beta <= 0 || meta?.f === undefined || meta.d === undefined) return;
    if (this.running.has(redisKey) || this.earlyPending.has(redisKey)) return;
    if (!shouldRecomputeEarly(now, meta.f, meta.d, policy.beta)) return;
    this.earlyPending.add(redisKey);
    void this.recomputeEarly(call, meta.f)
      .catch((error: unknown) =>
        this.logger.warn(`Early recomputation of "${key}" failed: ${describe(error)}`),
      )
      .finally(() => this.earlyPending.delete(redisKey));
  }

  private async recomputeEarly<T>(call: LookupCall<T>, freshUntil: number): Promise<void> {
    const { key, redisKey, policy } = call;
    let held: HeldLock | undefined;
    if (policy.lock) {
      const attempt = await this.locks.tryAcquire(key, redisKey, policy.lock.leaseMs);
      // Someone else is recomputing, or Redis cannot coordinate: the value is still fresh anyway.
      if (attempt === undefined || typeof attempt.lock !== 'object' || attempt.lock === null)
        return;
      held = attempt.lock;
      const again = attempt.entry ? await this.found(key, attempt.entry) : undefined;
      if (again && (again.entry.meta?.f ?? 0) > freshUntil) {
        await this.release(held, key);
        return;
      }
    }
    if (this.running.has(redisKey)) {
      if (held) await this.release(held, key);
      return;
    }
    this.stats.earlyRecomputations++;
    await this.compute(call, undefined, held);
  }

  /**
   * The entry in Redis, if valid. With the lookup's tags known, their current versions are read
   * alongside the entry, so a tagged hit costs one round trip, not two.
   */
  private async readL2(
    key: string,
    redisKey: string,
    tags: readonly string[] = [],
  ): Promise<Found | undefined> {
    const reading = this.deps.health.attempt(() => this.deps.readRaw(redisKey), 'read');
    const versions =
      tags.length > 0
        ? this.deps.health.attempt(() => this.deps.tags.current(tags), 'read')
        : undefined;
    const raw = await reading;
    const current = versions && (await versions);
    if (!raw) return undefined;
    const known = current && new Map(tags.map((tag, i) => [tag, current[i]]));
    return this.found(key, raw, known);
  }

  /** The entry in these bytes, if valid (not corrupt, not invalidated by tag). */
  private async found(
    key: string,
    raw: Buffer,
    known?: KnownTagVersions,
  ): Promise<Found | undefined> {
    const entry = await this.deps.decodeValid(key, raw, known);
    if (!entry) return undefined;
    return { raw, entry, freshUntil: entry.meta?.f ?? Number.POSITIVE_INFINITY };
  }

  private async fromL1(
    key: string,
    now: number,
  ): Promise<{ value: unknown; meta?: EntryMeta } | undefined> {
    const l1 = this.l1!;
    const hit = l1.get(key);
    if (!hit || hit.freshUntil <= now) {
      l1.misses++;
      return undefined;
    }
    // A value nobody else can change: a copy of its own, or the frozen tree (l1-value.ts).
    const value = await l1Value(l1, key, hit, this.deps.codec);
    l1.hits++;
    return { value, meta: hit.meta };
  }

  private remember(key: string, found: Found, ttlMs: number, stamp: number): void {
    const left = found.freshUntil - Date.now();
    this.l1!.put(key, found.raw, found.entry.meta, Math.min(ttlMs, left), stamp);
  }

  /** L1 TTL of a lookup in ms, 0 when L1 is not used. */
  private l1TtlFor(call: number | boolean | undefined, ttlMs: number): number {
    if (!this.l1) {
      if (call !== undefined && call !== false && !this.warnedNoL1) {
        this.warnedNoL1 = true;
        this.logger.warn(
          'l1 was requested for a lookup but RedisCacheModule has no l1 configured.',
        );
      }
      return 0;
    }
    if (call === false) return 0;
    const base = typeof call === 'number' ? call : this.l1.settings.ttlMs;
    return ttlMs > 0 ? Math.min(base, ttlMs) : base;
  }
}

function limitOf(softMs: number | false, hardMs: number | false): number {
  return Math.min(softMs === false ? Infinity : softMs, hardMs === false ? Infinity : hardMs);
}

/** The outcome of `work`, or timeout after `ms`; `work` keeps running either way. */
function settleWithin<T>(work: Promise<T>, ms: number): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    const timer = Number.isFinite(ms)
      ? setTimeout(() => resolve({ kind: 'timeout' }), Math.max(0, ms))
      : undefined;
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve({ kind: 'value', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'error', error });
      },
    );
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
