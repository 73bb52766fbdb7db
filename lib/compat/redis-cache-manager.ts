// The Cache CACHE_MANAGER injects: cache-manager 7's API over RedisCacheService. TTLs are handed
// over as `'<n>ms'` so they are never read as seconds (digit strings too, as cache-manager allows).
// `wrap` is getOrSet: single flight in the process and, with `lock`, in the fleet.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { CacheConfigError } from '../errors/errors.js';
import type { RedisCacheService } from '../service/redis-cache.service.js';
import type { CacheClock } from '../time/clock.js';
import {
  Cache,
  type CacheEntry,
  type CacheEvents,
  type StoredDataRaw,
  type WrapOptions,
  type WrapOptionsRaw,
} from './cache.js';
import {
  asDuration,
  fromNumericString,
  type CacheManagerSettings,
} from './cache-module-options.js';

type TtlOption<T> = number | ((value: T) => number) | undefined;

export class RedisCacheManager extends Cache {
  private readonly events = new EventEmitter();
  private readonly id: string;
  /** Background refreshes started by refreshThreshold, one per key at a time. */
  private readonly refreshing = new Set<string>();

  constructor(
    private readonly service: RedisCacheService,
    private readonly settings: CacheManagerSettings,
    /** The module's clock: the seconds ttl() counts are on it, so is the expiry made of them. */
    private readonly clock: CacheClock,
  ) {
    super();
    this.id = settings.cacheId ?? randomBytes(6).toString('base64url');
  }

  async get<T>(key: string): Promise<T | undefined> {
    const value = await this.service.get<T>(key);
    // As cache-manager 7: 'get' tells of a value found and the store it came from (Redis is the
    // only one, cache-manager's first: 'primary'); a miss emits nothing.
    if (value !== undefined) this.events.emit('get', { key, value, store: 'primary' });
    return value;
  }

  async mget<T>(keys: string[]): Promise<(T | undefined)[]> {
    const values = await this.service.mget<T>(keys);
    this.events.emit('mget', { keys, values });
    return values;
  }

  async ttl(key: string): Promise<number | undefined> {
    const seconds = await this.service.ttl(key);
    const value =
      seconds === undefined || seconds === Number.POSITIVE_INFINITY
        ? undefined
        : this.clock.now() + Math.round(seconds * 1_000);
    // As cache-manager 7: only for an entry that exists.
    if (seconds !== undefined) this.events.emit('ttl', { key, value });
    return value;
  }

  async set<T>(key: string, value: T, ttl?: number): Promise<T> {
    // cache-manager stores `undefined` and reads it back as absent: here that is a delete.
    await this.emitting('set', { key, value }, () =>
      value === undefined
        ? this.service.del(key)
        : this.service.set(key, value, { ttl: asDuration(ttl) }),
    );
    return value;
  }

  async mset<T>(list: CacheEntry<T>[]): Promise<CacheEntry<T>[]> {
    const withTtl = list.map(({ key, value, ttl }) => ({
      key,
      value,
      ttl: fromNumericString(ttl) ?? this.settings.ttlMs,
    }));
    const absent = withTtl.filter((entry) => entry.value === undefined).map((entry) => entry.key);
    await this.emitting('mset', { list: withTtl }, () =>
      Promise.all([
        this.service.mset(
          withTtl
            .filter((entry) => entry.value !== undefined)
            .map(({ key, value, ttl }) => ({ key, value, ttl: asDuration(ttl) })),
        ),
        absent.length > 0 ? this.service.del(...absent) : undefined,
      ]),
    );
    return withTtl;
  }

  async del(key: string): Promise<boolean> {
    await this.emitting('del', { key }, () => this.service.del(key));
    return true;
  }

  async mdel(keys: string[]): Promise<boolean> {
    await this.emitting('mdel', { keys }, () =>
      keys.length > 0 ? this.service.del(...keys) : undefined,
    );
    return true;
  }

  async clear(): Promise<boolean> {
    await this.emitting('clear', undefined, () => this.service.clear());
    return true;
  }

  wrap<T>(
    key: string,
    fnc: () => T | Promise<T>,
    ttl?: number | ((value: T) => number),
    refreshThreshold?: number | ((value: T) => number),
  ): Promise<T>;
  wrap<T>(key: string, fnc: () => T | Promise<T>, options: WrapOptions<T>): Promise<T>;
  wrap<T>(
    key: string,
    fnc: () => T | Promise<T>,
    options: WrapOptionsRaw<T>,
  ): Promise<StoredDataRaw<T>>;
  async wrap<T>(
    key: string,
    fnc: () => T | Promise<T>,
    ttlOrOptions?: TtlOption<T> | WrapOptions<T> | WrapOptionsRaw<T>,
    refreshThresholdArgument?: TtlOption<T>,
  ): Promise<T | StoredDataRaw<T>> {
    const given =
      typeof ttlOrOptions === 'object' && ttlOrOptions !== null
        ? (ttlOrOptions as WrapOptionsRaw<T>)
        : { ttl: ttlOrOptions, refreshThreshold: refreshThresholdArgument, raw: false };
    const { raw } = given;
    const ttl = fromNumericString(given.ttl);
    const refreshThreshold = fromNumericString(given.refreshThreshold);
    let computed = false;
    // A TTL computed from the value is set by the run itself, through getOrSet's factory context.
    const value = await this.service.getOrSet<T>(
      key,
      async (context) => {
        computed = true;
        const result = await fnc();
        const computedTtl = typeof ttl === 'function' ? asDuration(ttl(result)) : undefined;
        if (computedTtl !== undefined) context.setTtl(computedTtl);
        return result;
      },
      // No options object without a fixed TTL: getOrSet then uses its options resolved once.
      typeof ttl === 'function' || ttl == null ? undefined : { ttl: asDuration(ttl) },
    );
    const threshold = fromNumericString(
      typeof refreshThreshold === 'function'
        ? refreshThreshold(value)
        : (refreshThreshold ?? this.settings.refreshThresholdMs),
    );
    // cache-manager's wrap stores a computed value with set(), which tells 'set' listeners.
    if (computed) this.events.emit('set', { key, value });
    if (!computed && threshold !== undefined) {
      const expires = await this.service.ttl(key);
      if (expires !== undefined && expires * 1_000 < threshold) this.refresh(key, fnc, ttl, value);
    }
    if (!raw) return value;
    if (value === undefined) return { value, expires: undefined };
    return { value, expires: await this.ttl(key) };
  }

  on<E extends keyof CacheEvents>(event: E, listener: CacheEvents[E]): EventEmitter {
    return this.events.addListener(event, listener);
  }

  off<E extends keyof CacheEvents>(event: E, listener: CacheEvents[E]): EventEmitter {
    return this.events.removeListener(event, listener);
  }

  async disconnect(): Promise<undefined> {
    return undefined;
  }

  cacheId(): string {
    return this.id;
  }

  get stores(): never[] {
    throw new CacheConfigError(
      'stores',
      'is not available in nestjs-redis-cache/cache-manager: entries live in Redis, not in Keyv ' +
        'stores. For the ioredis client, inject RedisCacheService (RedisCacheModule) and use `client`.',
    );
  }

  /** `stale` is the value being replaced: a failed refresh reports it, as cache-manager 7 does. */
  private refresh<T>(key: string, fnc: () => T | Promise<T>, ttl: TtlOption<T>, stale: T): void {
    if (this.refreshing.has(key)) return;
    this.refreshing.add(key);
    void (async () => {
      try {
        const value = await fnc();
        await this.set(key, value, typeof ttl === 'function' ? ttl(value) : (ttl ?? undefined));
        this.events.emit('refresh', { key, value });
      } catch (error) {
        this.events.emit('refresh', { key, value: stale, error });
      } finally {
        this.refreshing.delete(key);
      }
    })();
  }

  /** Tells `event` listeners once `action` settled: `data`, with the error when it failed. */
  private async emitting(
    event: keyof CacheEvents,
    data: object | undefined,
    action: () => Promise<unknown> | undefined,
  ): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.events.emit(event, data ? { ...data, error } : error);
      throw error;
    }
    if (data) this.events.emit(event, data);
    else this.events.emit(event);
  }
}
