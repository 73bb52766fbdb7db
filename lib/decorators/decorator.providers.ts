// The providers that wire @Cacheable, @CachePut, @CacheEvict and @CacheTags at bootstrap.
import type { Provider } from '@nestjs/common';
import { CacheInvokerFactory } from './cache-invoker.factory.js';
import { CacheMetadataAccessor } from './cache-metadata.accessor.js';
import { CacheableExplorer } from './cacheable.explorer.js';

export const DECORATOR_PROVIDERS: Provider[] = [
  CacheMetadataAccessor,
  CacheInvokerFactory,
  CacheableExplorer,
];
