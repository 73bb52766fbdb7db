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

/** A stored entry could not be decoded (corrupt, or written by another serializer). */
export class CacheDeserializationError extends RedisCacheError {
  constructor(key: string, cause: unknown) {
    super(
      'E_CACHE_DESERIALIZE',
      `nestjs-redis-cache: the entry at key "${key}" cannot be decoded: ${reason(cause)}`,
      {
        key,
        cause,
      },
    );
  }
}

function reason(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
