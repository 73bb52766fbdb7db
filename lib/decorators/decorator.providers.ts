// The providers that wire every decorator of the library at bootstrap: the caching family
// (@Cacheable, @CachePut, @CacheEvict, @CacheTags) and the write family (@WriteThrough,
// @WriteBehind, @WriteBehindHandler).
import type { Provider } from '@nestjs/common';
import { CacheInvokerFactory } from './cache-invoker.factory.js';
import { CacheMetadataAccessor } from './cache-metadata.accessor.js';
import { DecoratedMethodsExplorer } from './decorated-methods.explorer.js';
import { ProviderMethodWalker } from './provider-method-walker.js';
import { WriteInvokerFactory } from './write-invoker.factory.js';

export const DECORATOR_PROVIDERS: Provider[] = [
  CacheMetadataAccessor,
  ProviderMethodWalker,
  CacheInvokerFactory,
  WriteInvokerFactory,
  DecoratedMethodsExplorer,
];
