// Reads what the caching decorators recorded on a provider's methods; the one place that knows
// where the metadata lives.
import { Injectable } from '@nestjs/common';
import {
  CACHEABLE_METADATA,
  CACHED_METHOD_METADATA,
  CACHE_EVICT_METADATA,
  CACHE_PUT_METADATA,
  CACHE_TAGS_METADATA,
  HAS_CACHED_METHODS_METADATA,
} from './cache-decorator.constants.js';
import type {
  CacheEvictOptions,
  CachePutOptions,
  CacheTagSource,
  CacheableOptions,
} from './cache-decorator-options.interface.js';
import type { CachedMethod } from './cached-method.js';

export interface CachedMethodMetadata {
  method: CachedMethod;
  cacheable: CacheableOptions[];
  puts: CachePutOptions[];
  evicts: CacheEvictOptions[];
  /** One array per @CacheTags line. */
  tags: CacheTagSource[][];
}

@Injectable()
export class CacheMetadataAccessor {
  /** True when the object's class (or a parent class) has a method with a caching decorator. */
  hasCachedMethods(target: object): boolean {
    return Reflect.getMetadata(HAS_CACHED_METHODS_METADATA, target) === true;
  }

  /** The caching decorators of `target[name]`, looked up along the prototype chain. */
  getCachedMethod(target: object, name: string): CachedMethodMetadata | undefined {
    const method = Reflect.getMetadata(CACHED_METHOD_METADATA, target, name) as
      CachedMethod | undefined;
    if (!method) return undefined;
    const read = <T>(key: string) =>
      (Reflect.getOwnMetadata(key, method.forwarder) as T[] | undefined) ?? [];
    return {
      method,
      cacheable: read<CacheableOptions>(CACHEABLE_METADATA),
      puts: read<CachePutOptions>(CACHE_PUT_METADATA),
      evicts: read<CacheEvictOptions>(CACHE_EVICT_METADATA),
      tags: read<CacheTagSource[]>(CACHE_TAGS_METADATA),
    };
  }
}

/** True when the method carries @Cacheable, @CachePut, @CacheEvict or @CacheTags. */
export function hasCachingDecorators(metadata: CachedMethodMetadata): boolean {
  const { cacheable, puts, evicts, tags } = metadata;
  return cacheable.length + puts.length + evicts.length + tags.length > 0;
}
