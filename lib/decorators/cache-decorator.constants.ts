// Metadata keys of every decorator of the library. Options live on the method's (forwarding)
// function, like Nest's own method metadata; the forwarding machinery and @WriteBehindHandler
// names live on (prototype, method name); the class-level flag lets the explorers skip every
// other provider.
export const CACHEABLE_METADATA = 'redis_cache:cacheable';
export const CACHE_PUT_METADATA = 'redis_cache:cache_put';
export const CACHE_EVICT_METADATA = 'redis_cache:cache_evict';
export const CACHE_TAGS_METADATA = 'redis_cache:cache_tags';
export const WRITE_THROUGH_METADATA = 'redis_cache:write_through';
export const WRITE_BEHIND_METADATA = 'redis_cache:write_behind';
export const WRITE_BEHIND_HANDLER_METADATA = 'redis_cache:write_behind_handler';
export const CACHED_METHOD_METADATA = 'redis_cache:cached_method';
export const HAS_DECORATED_METHODS_METADATA = 'redis_cache:has_decorated_methods';
