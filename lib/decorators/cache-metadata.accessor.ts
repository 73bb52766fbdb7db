// Reads what the library's decorators recorded on a provider's methods: the caching family
// (@Cacheable, @CachePut, @CacheEvict, @CacheTags), the write family (@WriteThrough,
// @WriteBehind) and @WriteBehindHandler. The one place that knows where the metadata lives.
import { Injectable } from '@nestjs/common';
import {
  CACHEABLE_METADATA,
  CACHED_METHOD_METADATA,
  CACHE_EVICT_METADATA,
  CACHE_PUT_METADATA,
  CACHE_TAGS_METADATA,
  HAS_DECORATED_METHODS_METADATA,
  WRITE_BEHIND_HANDLER_METADATA,
  WRITE_BEHIND_METADATA,
  WRITE_THROUGH_METADATA,
} from './cache-decorator.constants.js';
import type {
  CacheEvictOptions,
  CachePutOptions,
  CacheTagSource,
  CacheableOptions,
} from './cache-decorator-options.interface.js';
import type { CachedMethod } from './cached-method.js';

/** The options each decorator recorded on one method, one entry per decorator line. */
export interface DecoratedMethodMetadata {
  method: CachedMethod;
  cacheable: CacheableOptions[];
  puts: CachePutOptions[];
  evicts: CacheEvictOptions[];
  /** One array per @CacheTags line. */
  tags: CacheTagSource[][];
  /** Unchecked on purpose: the plan validates them and names the method. */
  throughs: unknown[];
  behinds: unknown[];
}

@Injectable()
export class CacheMetadataAccessor {
  /** True when the object's class (or a parent class) has a method with one of our decorators. */
  hasDecoratedMethods(target: object): boolean {
    return Reflect.getMetadata(HAS_DECORATED_METHODS_METADATA, target) === true;
  }

  /** The decorators of `target[name]` that wrap it, looked up along the prototype chain. */
  getDecoratedMethod(target: object, name: string): DecoratedMethodMetadata | undefined {
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
      throughs: read<unknown>(WRITE_THROUGH_METADATA),
      behinds: read<unknown>(WRITE_BEHIND_METADATA),
    };
  }

  /** The writer names @WriteBehindHandler gave `target[name]`. */
  getWriterNames(target: object, name: string): string[] {
    return (Reflect.getMetadata(WRITE_BEHIND_HANDLER_METADATA, target, name) as string[]) ?? [];
  }
}

/** True when the method carries @Cacheable, @CachePut, @CacheEvict or @CacheTags. */
export function hasCachingDecorators(metadata: DecoratedMethodMetadata): boolean {
  const { cacheable, puts, evicts, tags } = metadata;
  return cacheable.length + puts.length + evicts.length + tags.length > 0;
}

/** True when the method carries @WriteThrough or @WriteBehind. */
export function hasWriteDecorators(metadata: DecoratedMethodMetadata): boolean {
  return metadata.throughs.length + metadata.behinds.length > 0;
}
