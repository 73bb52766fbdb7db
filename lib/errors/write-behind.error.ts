import { RedisCacheError } from './redis-cache.error.js';

/** `cache.writeBehind()` named a writer no `@WriteBehindHandler` (or `@WriteBehind` method) registered. */
export class UnknownWriterError extends RedisCacheError {
  constructor(writer: string, key: string, known: readonly string[]) {
    super(
      'E_WRITER_UNKNOWN',
      `nestjs-redis-cache: no write-behind writer named "${writer}" (for key "${key}"); register one with @WriteBehindHandler('${writer}') on a provider method. Known writers: ${known.length > 0 ? known.join(', ') : 'none'}. Nothing was written.`,
      { key },
    );
  }
}

/** The data of a write-behind job (the value, or the method's arguments) cannot be stored in the queue. */
export class WriteBehindSerializationError extends RedisCacheError {
  constructor(key: string, writer: string, cause: unknown) {
    super(
      'E_WRITE_BEHIND_SERIALIZE',
      `nestjs-redis-cache: the write-behind job for key "${key}" (writer ${writer}) cannot be queued: ${cause instanceof Error ? cause.message : String(cause)}. Nothing was written.`,
      { key, method: writer, cause },
    );
  }
}

/**
 * `writeBehind.durability` asked for `required` replicas, and fewer confirmed the job within the
 * timeout. The job is queued on the primary and will most likely be persisted, but a failover now
 * could lose it: the call is not acknowledged.
 */
export class WriteBehindNotDurableError extends RedisCacheError {
  constructor(
    key: string,
    readonly required: number,
    readonly confirmed: number,
    timeoutMs: number,
  ) {
    super(
      'E_WRITE_BEHIND_NOT_DURABLE',
      `nestjs-redis-cache: the write-behind job for key "${key}" is queued on the Redis primary, but only ${confirmed} of ${required} replica(s) confirmed it within ${timeoutMs} ms (writeBehind.durability); a failover before it replicates would lose it. It will still be persisted unless the primary fails; retrying the call queues it again (persisters see it twice).`,
      { key },
    );
  }
}
