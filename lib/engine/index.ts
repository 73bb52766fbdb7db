// The `nestjs-redis-cache/engine` entry: the cache without Nest (no @nestjs import is loaded).
export { createRedisCache, type RedisCache, type RedisCacheSetup } from './create-redis-cache.js';
export type { CacheLogger } from '../events/cache-logger.js';
export type { RedisCacheModuleOptions as RedisCacheOptions } from './redis-cache-options.interface.js';
export type { RedisCacheService } from '../service/redis-cache.service.js';
export type { CacheEvents } from '../events/cache-event-bus.js';
export type { RedisCacheHealthIndicator } from '../metrics/redis-cache.health-indicator.js';
export type { WriterFunction } from '../write/writer-registry.js';
