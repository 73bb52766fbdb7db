// The public entry of nestjs-redis-cache: everything not exported here is internal.
export { RedisCacheModule } from './module/redis-cache.module.js';
export { REDIS_CACHE_MODULE_OPTIONS } from './module/redis-cache.module-definition.js';
export type { RedisCacheModuleOptions } from './module/redis-cache-options.interface.js';
export { RedisCacheService } from './service/redis-cache.service.js';
export type { CacheEntryInput } from './service/redis-cache.service.js';
export type { CacheWriteOptions, GetOrSetOptions } from './service/get-or-set-options.js';
export type { CacheStatsSnapshot, HitMissCounts, RedisHealthStats } from './metrics/cache-stats.js';
export type { CacheSerializer, SerializerName } from './codec/serializer.js';
export type { CompressionAlgorithm } from './codec/entry-codec.js';
export {
  parseTtl,
  seconds,
  minutes,
  hours,
  days,
  type Ttl,
  type DurationUnit,
} from './time/ttl.js';
export * from './errors/index.js';
