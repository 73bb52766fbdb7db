// Metadata keys of @WriteThrough, @WriteBehind and @WriteBehindHandler, recorded on
// (prototype, method name); the class-level flag lets the explorer skip every other provider.
export const WRITE_THROUGH_METADATA = 'redis_cache:write_through';
export const WRITE_BEHIND_METADATA = 'redis_cache:write_behind';
export const WRITE_BEHIND_HANDLER_METADATA = 'redis_cache:write_behind_handler';
export const HAS_WRITE_METHODS_METADATA = 'redis_cache:has_write_methods';
