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
} from './to-redis-cache-options.js';

type TtlOption<T> = number | ((value: T) => number) | undefined;

export class RedisCacheManager extends Cache {
  private readonly events = new EventEmitter();
  private readonly id: string;
  /** wrap() calls with a TTL computed from the value, which getOrSet cannot take: shared per key. */
  private readonly computing = new Map<string, Promise<unknown>>();
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
    const ms = fromNumericString(ttl);
    try {
      // cache-manager stores `undefined` and reads it back as absent: here that is a delete.
      if (value === undefined) await this.service.del(key);
      else await this.service.set(key, value, ms == null ? {} : { ttl: asDuration(ms) });
    } catch (error) {
      this.events.emit('set', { key, value, error });
      throw error;
    }
    this.events.emit('set', { key, value });
    return value;
  }

  async mset<T>(list: CacheEntry<T>[]): Promise<CacheEntry<T>[]> {
    const withTtl = list.map(({ key, value, ttl }) => ({
      key,
      value,
      ttl: fromNumericString(ttl) ?? this.settings.ttlMs,
    }));
    try {
      const absent = withTtl.filter((entry) => entry.value === undefined).map((entry) => entry.key);
      await Promise.all([
        this.service.mset(
          withTtl
            .filter((entry) => entry.value !== undefined)
            .map(({ key, value, ttl }) => ({ key, value, ttl: asDuration(ttl) })),
        ),
        absent.length > 0 ? this.service.del(...absent) : undefined,
      ]);
    } catch (error) {
      this.events.emit('mset', { list: withTtl, error });
      throw error;
    }
    this.events.emit('mset', { list: withTtl });
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
    try {
      await this.service.clear();
    } catch (error) {
      this.events.emit('clear', error);
      throw error;
    }
    this.events.emit('clear');
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
    const run = async (): Promise<T> => {
      computed = true;
      return fnc();
    };
    const value =
      typeof ttl === 'function'
        ? await this.wrapWithComputedTtl(key, run, ttl)
        : await this.service.getOrSet(key, run, ttl == null ? undefined : { ttl: asDuration(ttl) });
    const threshold = fromNumericString(
      typeof refreshThreshold === 'function'
        ? refreshThreshold(value)
        : (refreshThreshold ?? this.settings.refreshThresholdMs),
    );
    // cache-manager's wrap stores a computed value with set(), which tells 'set' listeners.
    if (computed && typeof ttl !== 'function') this.events.emit('set', { key, value });
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

  private async wrapWithComputedTtl<T>(
    key: string,
    run: () => Promise<T>,
    ttl: (value: T) => number,
  ): Promise<T> {
    const cached = await this.service.get<T>(key);
    if (cached !== undefined) return cached;
    const running = this.computing.get(key);
    if (running) return running as Promise<T>;
    const computing = (async () => {
      const value = await run();
      await this.set(key, value, ttl(value));
      return value;
    })().finally(() => this.computing.delete(key));
    this.computing.set(key, computing);
    return computing;
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

  private async emitting<D extends object>(
    event: 'del' | 'mdel',
    data: D,
    action: () => Promise<unknown> | undefined,
  ): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.events.emit(event, { ...data, error });
      throw error;
    }
    this.events.emit(event, data);
  }
}
