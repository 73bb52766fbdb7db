// The tokens, metadata keys and decorators of @nestjs/cache-manager 12, with the same values, so
// that code (and other libraries) reading them keeps working after the import line changes.
import { SetMetadata, type CustomDecorator, type ExecutionContext } from '@nestjs/common';

export const CACHE_MANAGER = 'CACHE_MANAGER';
export const CACHE_KEY_METADATA = 'cache_module:cache_key';
export const CACHE_TTL_METADATA = 'cache_module:cache_ttl';
export const CACHE_CLEAN_METADATA = 'cache_module:cache_clean';

export type CacheKeyFactory = (
  ctx: ExecutionContext,
) => string | Promise<string | undefined> | undefined;

export type CacheTTLFactory = (ctx: ExecutionContext) => Promise<number> | number;

// The key CacheInterceptor stores a handler's response under (instead of the URL).
export const CacheKey = (key: string | CacheKeyFactory): CustomDecorator<string> =>
  SetMetadata(CACHE_KEY_METADATA, key);

// How long CacheInterceptor keeps a response, in MILLISECONDS (cache-manager's unit), or a function
// of the execution context; on a handler or on the controller class.
export const CacheTTL = (ttl: number | CacheTTLFactory): CustomDecorator<string> =>
  SetMetadata(CACHE_TTL_METADATA, ttl);

// The key (or keys) CacheCleanInterceptor deletes once the handler succeeded.
export const CacheClean = (key: string | string[]): CustomDecorator<string> =>
  SetMetadata(CACHE_CLEAN_METADATA, key);
