// nestjs-redis-cache/cache-manager: the names and behaviour of @nestjs/cache-manager 12 on Redis.
// Replace `from '@nestjs/cache-manager'` with `from 'nestjs-redis-cache/cache-manager'`; TTLs stay
// in milliseconds here (the library's own API counts seconds). See docs/migrating.md.
export {
  CACHE_CLEAN_METADATA,
  CACHE_KEY_METADATA,
  CACHE_MANAGER,
  CACHE_TTL_METADATA,
  CacheClean,
  CacheKey,
  CacheTTL,
  type CacheKeyFactory,
  type CacheTTLFactory,
} from './cache-manager.decorators.js';
export { CACHE_MODULE_OPTIONS, CacheModule } from './cache.module.js';
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
} from './cache-module-options.js';
export { CacheInterceptor } from './cache.interceptor.js';
export { CacheCleanInterceptor } from './cache-clean.interceptor.js';
