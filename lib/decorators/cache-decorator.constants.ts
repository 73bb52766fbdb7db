// Metadata keys of the caching decorators. Options live on the method's (forwarding) function,
// like Nest's own method metadata; the forwarding machinery lives on (prototype, method name).
export const CACHEABLE_METADATA = 'redis_cache:cacheable';
export const CACHE_PUT_METADATA = 'redis_cache:cache_put';
export const CACHE_EVICT_METADATA = 'redis_cache:cache_evict';
export const CACHE_TAGS_METADATA = 'redis_cache:cache_tags';
export const CACHED_METHOD_METADATA = 'redis_cache:cached_method';
export const HAS_CACHED_METHODS_METADATA = 'redis_cache:has_cached_methods';
