import { RedisCacheError } from './redis-cache.error.js';

/** A value could not be serialized for storage; nothing was written. */
export class CacheSerializationError extends RedisCacheError {
  constructor(key: string, cause: unknown) {
    super(
      'E_CACHE_SERIALIZE',
      `nestjs-redis-cache: the value for key "${key}" cannot be cached: ${reason(cause)}. Nothing was written.`,
      { key, cause },
    );
  }
}

function reason(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
