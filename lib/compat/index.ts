// nestjs-redis-cache/cache-manager: the names and behaviour of @nestjs/cache-manager 12 on Redis.
// Replace `from '@nestjs/cache-manager'` with `from 'nestjs-redis-cache/cache-manager'`; TTLs stay
// in milliseconds here (the library's own API counts seconds). See docs/migrating.md.
export {
  CACHE_CLEAN_METADATA,
  CACHE_KEY_METADATA,
  CACHE_MANAGER,
  CACHE_TTL_METADATA,
} from './cache-manager.constants.js';
export { CACHE_MODULE_OPTIONS } from './cache-options-host.module-definition.js';
export { CacheModule } from './cache.module.js';
export {
  Cache,
  type CacheEntry,
  type CacheEvents,
  type StoredDataRaw,
  type WrapOptions,
  type WrapOptionsRaw,
} from './cache.js';
export type {
  CacheManagerOptions,
  CacheModuleAsyncOptions,
  CacheModuleOptions,
  CacheOptions,
  CacheOptionsFactory,
} from './cache-module-options.interface.js';
export { CacheInterceptor } from './cache.interceptor.js';
export { CacheCleanInterceptor } from './cache-clean.interceptor.js';
export { CacheKey, type CacheKeyFactory } from './cache-key.decorator.js';
export { CacheTTL, type CacheTTLFactory } from './cache-ttl.decorator.js';
export { CacheClean } from './cache-clean.decorator.js';
