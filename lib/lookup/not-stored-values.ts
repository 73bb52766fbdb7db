// A value the app computed (factory, @Cacheable, @CachePut, write-through) that cannot be stored
// (not serializable, over limits.valueBytes): the caller still gets it, nothing is cached, and it is
// logged once per key and announced every time (`cache:not-stored`). Only set()/mset() reject.
import type { CacheLogger } from '../events/cache-logger.js';
import { CacheSerializationError, CacheValueTooLargeError } from '../errors/errors.js';
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
