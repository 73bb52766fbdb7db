// Errors the library throws: one base class with a stable `code`, the offending key/option/method
// as fields, and the underlying `cause`, so users can branch on the code and act on the message.

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
