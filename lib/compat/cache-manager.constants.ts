// The tokens and metadata keys of @nestjs/cache-manager 12, with the same values, so that code
// (and other libraries) reading them keeps working after the import line changes.
export const CACHE_MANAGER = 'CACHE_MANAGER';
export const CACHE_KEY_METADATA = 'cache_module:cache_key';
export const CACHE_TTL_METADATA = 'cache_module:cache_ttl';
export const CACHE_CLEAN_METADATA = 'cache_module:cache_clean';
