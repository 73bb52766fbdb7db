// The providers that wire @Cacheable, @CachePut, @CacheEvict and @CacheTags at bootstrap (the
// walker is shared with the write strategies' explorer).
import type { Provider } from '@nestjs/common';
import { CacheInvokerFactory } from './cache-invoker.factory.js';
import { CacheMetadataAccessor } from './cache-metadata.accessor.js';
import { CacheableExplorer } from './cacheable.explorer.js';
import { ProviderMethodWalker } from './provider-method-walker.js';

export const DECORATOR_PROVIDERS: Provider[] = [
  CacheMetadataAccessor,
  ProviderMethodWalker,
  CacheInvokerFactory,
  CacheableExplorer,
];
