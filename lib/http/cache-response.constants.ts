// Metadata key of @CacheResponse (the plan of a handler, read by CacheResponseInterceptor).
export const CACHE_RESPONSE_METADATA = 'redis_cache:cache_response';
