// @CacheClean: the key (or keys) CacheCleanInterceptor deletes once the handler succeeded.
import { SetMetadata, type CustomDecorator } from '@nestjs/common';
import { CACHE_CLEAN_METADATA } from './cache-manager.constants.js';

export const CacheClean = (key: string | string[]): CustomDecorator<string> =>
  SetMetadata(CACHE_CLEAN_METADATA, key);
