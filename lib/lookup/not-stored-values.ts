// A value the app computed (a getOrSet factory's, a @Cacheable or @CachePut method's, a
// write-through's) that cannot be stored as it is (not serializable, or over limits.valueBytes): the
// caller still gets it, nothing is cached, and the cache says so once per key (logged) and every
// time (the `cache:not-stored` event, counted in stats().values.notStored). Only an explicit
// set()/mset() rejects with the error.
import type { CacheLogger } from '../events/cache-logger.js';
import { CacheSerializationError } from '../errors/serialization.error.js';
import { CacheValueTooLargeError } from '../errors/value-too-large.error.js';
import { CacheEvents } from '../events/cache-event-bus.js';
import { cacheEvents } from '../events/cache-events.js';
import { WarnOnce } from '../events/warn-once.js';

export class NotStoredValues {
  private readonly keys: WarnOnce;

  constructor(
    private readonly events: CacheEvents,
    logger: CacheLogger,
  ) {
    this.keys = new WarnOnce(logger);
  }

  /** Whether a write failed for what the value is (not for a bad key, TTL or tags). */
  isAbout(error: unknown): error is CacheSerializationError | CacheValueTooLargeError {
    return error instanceof CacheSerializationError || error instanceof CacheValueTooLargeError;
  }

  report(
    key: string,
    method: string | undefined,
    error: CacheSerializationError | CacheValueTooLargeError,
  ): void {
    this.events.emit(cacheEvents.notStored(key, method, error));
    this.keys.warn(key, () => {
      const what = method === undefined ? 'The value computed' : `The value ${method} returned`;
      return (
        `${what} for "${key}" is returned but not cached (${reasonOf(error)}). Counted in ` +
        'stats().values.notStored; not logged again for this key.'
      );
    });
  }
}

function reasonOf(error: CacheSerializationError | CacheValueTooLargeError): string {
  if (error instanceof CacheValueTooLargeError)
    return `${error.bytes} bytes serialized, over limits.valueBytes (${error.limit})`;
  const cause = error.cause;
  return cause instanceof Error ? cause.message : String(cause);
}
