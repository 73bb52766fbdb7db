// @CacheTTL: how long CacheInterceptor keeps a response, in MILLISECONDS (cache-manager's unit),
// or a function of the execution context; on a handler or on the controller class.
import { SetMetadata, type CustomDecorator, type ExecutionContext } from '@nestjs/common';
import { CACHE_TTL_METADATA } from './cache-manager.constants.js';

export type CacheTTLFactory = (ctx: ExecutionContext) => Promise<number> | number;

export const CacheTTL = (ttl: number | CacheTTLFactory): CustomDecorator<string> =>
  SetMetadata(CACHE_TTL_METADATA, ttl);
