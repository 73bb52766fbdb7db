// @CacheKey: the key CacheInterceptor stores a handler's response under (instead of the URL).
import { SetMetadata, type CustomDecorator, type ExecutionContext } from '@nestjs/common';
import { CACHE_KEY_METADATA } from './cache-manager.constants.js';

export type CacheKeyFactory = (
  ctx: ExecutionContext,
) => string | Promise<string | undefined> | undefined;

export const CacheKey = (key: string | CacheKeyFactory): CustomDecorator<string> =>
  SetMetadata(CACHE_KEY_METADATA, key);
