// What the cache did, announced as typed events by the class that did it (the reader, the factory
// run, the writer). Stats count them, and anyone else may listen: Prometheus, a dashboard,
// OpenTelemetry. Listeners run synchronously and must be cheap: a hit is announced on its hot path.
// An event is made by one of the `cacheEvents` factories, so its name and data always match.

/** Where a hit was served from. */
export type CacheLayer = 'l1' | 'redis';

export const cacheEvents = {
  /** A lookup (get, mget, getOrSet, @Cacheable) found a value; `stale` when served past its TTL. */
  hit(key: string, layer: CacheLayer, method: string | undefined, stale = false) {
    return { name: 'cache:hit' as const, data: { key, layer, method, stale } };
  },
  /** A lookup found nothing usable (absent, expired, invalidated by tag, corrupt, Redis down). */
  miss(key: string, method: string | undefined) {
    return { name: 'cache:miss' as const, data: { key, method } };
  },
  /** A lookup found another instance computing the key and waited for its value. */
  lockWait(key: string) {
    return { name: 'cache:lock-wait' as const, data: { key } };
  },
  /** A wait for another instance's computation ran out (`lock.wait`). */
  lockTimeout(key: string, waitMs: number) {
    return { name: 'cache:lock-timeout' as const, data: { key, waitMs } };
  },
  /** A factory threw; `failSafe` when a stale value stood in for it. */
  factoryError(key: string, error: unknown, failSafe: boolean) {
    return { name: 'cache:factory-error' as const, data: { key, error, failSafe } };
  },
  /** A lookup gave up on its factory: `hard` after `hardTimeout`, else after `softTimeout`. */
  factoryTimeout(key: string, hard: boolean, failSafe: boolean) {
    return { name: 'cache:factory-timeout' as const, data: { key, hard, failSafe } };
  },
  /** A hot key is being recomputed ahead of its expiry (XFetch). */
  earlyRecompute(key: string) {
    return { name: 'cache:early-recompute' as const, data: { key } };
  },
  /**
   * A stored entry was read as a miss: it holds more than this reader's `limits.valueBytes`
   * (`too-large`: reading stopped at the limit) or cannot be decoded (`corrupt`).
   */
  entryRejected(key: string, reason: 'too-large' | 'corrupt', error: unknown) {
    return { name: 'cache:entry-rejected' as const, data: { key, reason, error } };
  },
  /**
   * A value the app computed (getOrSet, @Cacheable, @CachePut, write-through) cannot be stored
   * (not serializable, or over `limits.valueBytes`): the caller got it, nothing was cached.
   */
  notStored(key: string, method: string | undefined, error: unknown) {
    return { name: 'cache:not-stored' as const, data: { key, method, error } };
  },
  /** An entry was stored in Redis (set, mset, a factory's value). */
  written(key: string) {
    return { name: 'cache:written' as const, data: { key } };
  },
  deleted(keys: readonly string[]) {
    return { name: 'cache:deleted' as const, data: { keys } };
  },
  tagsInvalidated(tags: readonly string[]) {
    return { name: 'cache:tags-invalidated' as const, data: { tags } };
  },
  cleared() {
    return { name: 'cache:cleared' as const, data: {} };
  },
};

/** Every event the cache emits, by name. */
export type CacheEvent = ReturnType<(typeof cacheEvents)[keyof typeof cacheEvents]>;
export type CacheEventName = CacheEvent['name'];
export type CacheEventData<N extends CacheEventName> = Extract<CacheEvent, { name: N }>['data'];
export type CacheEventListener<N extends CacheEventName> = (data: CacheEventData<N>) => void;
