// Errors the library throws: one base class with a stable `code`, the offending key/option/method
// as fields, and the underlying `cause`, so users can branch on the code and act on the message.

export type RedisCacheErrorCode =
  'E_CACHE_CONFIG' | 'E_CACHE_TTL' | 'E_CACHE_KEY' | 'E_CACHE_SERIALIZE' | 'E_CACHE_DESERIALIZE';

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
