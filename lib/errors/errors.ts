// Errors the library throws: one base class with a stable `code`, the offending key/option/method
// as fields, and the underlying `cause`, so users can branch on the code and act on the message.
import { describeValue } from './describe-value.js';

export type RedisCacheErrorCode =
  | 'E_CACHE_CONFIG'
  | 'E_CACHE_TTL'
  | 'E_CACHE_KEY'
  | 'E_CACHE_SERIALIZE'
  | 'E_CACHE_VALUE_TOO_LARGE'
  | 'E_CACHE_ENTRY_TOO_LARGE'
  | 'E_CACHE_TOO_MANY_TAGS'
  | 'E_CACHE_FACTORY_TIMEOUT'
  | 'E_CACHE_LOCK_TIMEOUT'
  | 'E_CACHE_DECORATOR'
  | 'E_CACHE_KEY_RESOLVE'
  | 'E_WRITER_UNKNOWN'
  | 'E_WRITE_BEHIND_SERIALIZE'
  | 'E_WRITE_BEHIND_NOT_DURABLE'
  | 'E_TEST_REDIS_NOT_FOUND'
  | 'E_TEST_REDIS_START'
  | 'E_NEST_INCOMPATIBLE';

export interface RedisCacheErrorContext {
  key?: string;
  option?: string;
  method?: string;
  cause?: unknown;
}

export class RedisCacheError extends Error {
  readonly key?: string;
  readonly option?: string;
  readonly method?: string;

  constructor(
    readonly code: RedisCacheErrorCode,
    message: string,
    context: RedisCacheErrorContext = {},
  ) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.key = context.key;
    this.option = context.option;
    this.method = context.method;
  }
}

/**
 * An option has a value that cannot work. Every option problem the library reports has this
 * shape: `option "<path>" <problem>`, with the path and the problem as fields, so a caller that
 * wraps it (a decorator naming its method) composes the two and keeps this error as `cause`.
 */
export abstract class CacheOptionError extends RedisCacheError {
  declare readonly option: string;

  protected constructor(
    code: RedisCacheErrorCode,
    option: string,
    /** What is wrong with the value, without the option's name: `must be ..., got ...`. */
    readonly problem: string,
    cause?: unknown,
  ) {
    super(code, `nestjs-redis-cache: option "${option}" ${problem}`, { option, cause });
  }
}

/** An option of RedisCacheModule, of a call or of a decorator is invalid. */
export class CacheConfigError extends CacheOptionError {
  constructor(option: string, problem: string, cause?: unknown) {
    super('E_CACHE_CONFIG', option, problem, cause);
  }
}

/** A time to live that is negative, not a number, too large, or has an unknown unit. */
export class InvalidTtlError extends CacheOptionError {
  constructor(option: string, value: unknown) {
    super(
      'E_CACHE_TTL',
      option,
      `must be a number of seconds >= 0 (below 2^53 ms) or a duration such as '500ms', '30s', '5m', '1h', '1d'; got ${describeValue(value)}`,
    );
  }
}

/** A cache key that is not a non-empty string within the allowed length. */
export class InvalidKeyError extends RedisCacheError {
  constructor(
    /** What is wrong, without the `invalid cache key` lead-in: for errors that wrap this one. */
    readonly problem: string,
    key?: string,
  ) {
    super('E_CACHE_KEY', `nestjs-redis-cache: invalid cache key: ${problem}`, { key });
  }
}

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

/** A value's serialized form is larger than `limits.valueBytes`; nothing was written. */
export class CacheValueTooLargeError extends RedisCacheError {
  constructor(
    key: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      'E_CACHE_VALUE_TOO_LARGE',
      `nestjs-redis-cache: the value for key "${key}" is ${bytes} bytes serialized, over the limit of ${limit} (option limits.valueBytes). Nothing was written.`,
      { key, option: 'limits.valueBytes' },
    );
  }
}

/**
 * A stored entry holds more than this reader's `limits.valueBytes` (written by another instance with a
 * larger limit, or by anyone who can write the namespace: a small compressed entry that would
 * inflate to gigabytes). It is read as a miss; reading stopped at the limit.
 */
export class CacheEntryTooLargeError extends RedisCacheError {
  constructor(readonly limit: number) {
    super(
      'E_CACHE_ENTRY_TOO_LARGE',
      `nestjs-redis-cache: a stored entry holds more than ${limit} bytes (option limits.valueBytes); it was not read.`,
      { option: 'limits.valueBytes' },
    );
  }
}

/** An entry was given more tags than `limits.tagsPerEntry`; nothing was written. */
export class CacheTooManyTagsError extends RedisCacheError {
  constructor(
    where: string,
    readonly tagCount: number,
    readonly limit: number,
  ) {
    super(
      'E_CACHE_TOO_MANY_TAGS',
      `nestjs-redis-cache: ${where} has ${tagCount} tags, the limit is ${limit} per entry (option limits.tagsPerEntry). Nothing was written.`,
      { option: 'limits.tagsPerEntry' },
    );
  }
}

/**
 * A caching decorator is used in a way that cannot work (bad option, conflicting decorators);
 * thrown at bootstrap, naming the method as `ClassName.method`.
 */
export class CacheDecoratorError extends RedisCacheError {
  constructor(
    decorator: string,
    method: string,
    problem: string,
    option?: string,
    cause?: unknown,
  ) {
    super(
      'E_CACHE_DECORATOR',
      `nestjs-redis-cache: ${decorator} on ${method}: ${option ? `option "${option}" ` : ''}${problem}`,
      { method, option, cause },
    );
  }
}

/**
 * The cache key of a decorated method could not be computed from the arguments of one call
 * (a template path that is missing, a key function that returned no string, an argument that
 * cannot be hashed). Thrown at call time, before the method runs.
 */
export class CacheKeyResolutionError extends RedisCacheError {
  constructor(method: string, problem: string, cause?: unknown) {
    super(
      'E_CACHE_KEY_RESOLVE',
      `nestjs-redis-cache: cannot build the cache key of ${method}: ${problem}`,
      { method, cause },
    );
  }
}

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
      `nestjs-redis-cache: the write-behind job for key "${key}" (writer ${writer}) cannot be queued: ${reason(cause)}. Nothing was written.`,
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

/** The factory of a lookup ran past its `hardTimeout` and no stale value could stand in for it. */
export class CacheFactoryTimeoutError extends RedisCacheError {
  constructor(
    key: string,
    readonly timeoutMs: number,
  ) {
    super(
      'E_CACHE_FACTORY_TIMEOUT',
      `nestjs-redis-cache: the factory for key "${key}" did not finish within its hardTimeout of ${timeoutMs} ms and no stale value exists. It keeps running and its value is stored when it finishes.`,
      { key, option: 'hardTimeout' },
    );
  }
}

/**
 * Another instance held the stampede lock of a key for longer than `lock.wait`, no stale value
 * existed, and `lock.onTimeout` is `'throw'`.
 */
export class CacheLockTimeoutError extends RedisCacheError {
  constructor(
    key: string,
    readonly waitedMs: number,
  ) {
    super(
      'E_CACHE_LOCK_TIMEOUT',
      `nestjs-redis-cache: waited ${waitedMs} ms for another caller to compute key "${key}" (lock.wait) and lock.onTimeout is 'throw'.`,
      { key, option: 'lock.onTimeout' },
    );
  }
}
