// The public entry of nestjs-redis-cache: everything not exported here is internal.
export { RedisCacheModule } from './module/redis-cache.module.js';
export { InjectCache } from './module/inject-cache.decorator.js';
export type {
  RedisCacheFeatureOptions,
  RedisCacheModuleOptions,
  RedisCacheOptionsFactory,
} from './engine/redis-cache-options.interface.js';
export { RedisCacheService } from './service/redis-cache.service.js';
export type { CacheEntryInput } from './service/redis-cache.service.js';
export type { CacheWriteOptions, GetOrSetOptions } from './service/get-or-set-options.js';
export { cacheContext, type CacheFactoryContext } from './lookup/factory-context.js';
export type {
  LockOptions,
  LockTimeoutFallback,
  ResilienceOptions,
} from './stampede/resilience-options.js';
export type { StampedeStats } from './stampede/stampede-stats.js';
export type { L1Options, L1CallOption, L1Invalidation, L1Admission } from './tiers/l1-options.js';
export type { L1Stats } from './tiers/l1-cache.js';
export type { CacheStatsSnapshot, HitMissCounts, RedisHealthStats } from './metrics/cache-stats.js';
export type { HotKey } from './metrics/hot-keys.js';
export type { BigKey, BigKeysSnapshot } from './metrics/big-keys.js';
export type { RedisMemoryStats, RedisMemoryNode } from './metrics/redis-memory-stats.js';
export type { CacheSerializer, SerializerName } from './codec/serializer.js';
export type { CompressionAlgorithm } from './codec/entry-codec.js';
export { seconds, minutes, type Ttl, type DurationUnit } from './time/ttl.js';
// Errors users catch by class; every error the library throws is a RedisCacheError with a stable
// `code` (RedisCacheErrorCode), which tells the others apart.
export {
  RedisCacheError,
  type RedisCacheErrorCode,
  type RedisCacheErrorContext,
  CacheConfigError,
  InvalidTtlError,
  InvalidKeyError,
  CacheSerializationError,
  CacheValueTooLargeError,
  CacheFactoryTimeoutError,
  CacheLockTimeoutError,
} from './errors/errors.js';
export { Cacheable } from './decorators/cache.decorators.js';
export { CachePut } from './decorators/cache.decorators.js';
export { CacheEvict } from './decorators/cache.decorators.js';
export { CacheTags } from './decorators/cache.decorators.js';
export type {
  CacheableOptions,
  CachePutOptions,
  CacheEvictOptions,
  CacheKeySource,
  CacheTagSource,
  CacheTagsOption,
} from './decorators/cache.decorators.js';
export { CacheStatsInterceptor } from './http/cache-stats.interceptor.js';
export { CacheEvents } from './events/cache-event-bus.js';
export type {
  CacheEvent,
  CacheEventData,
  CacheEventListener,
  CacheEventName,
  CacheLayer,
} from './events/cache-events.js';
export type { CacheOutcome } from './metrics/request-tally.js';
export type { CacheStatsOptions, ClusterCacheStats, ValueStats } from './metrics/cache-stats.js';
export { RedisCacheHealthIndicator } from './metrics/redis-cache.health-indicator.js';
export type {
  CacheHealthDetails,
  CacheHealthOptions,
  CacheHealthResult,
  CacheHealthStatus,
} from './metrics/redis-cache.health-indicator.js';
export type { PrometheusRegistry } from './metrics/prometheus-registry.js';
export type { OpenTelemetryMeter, OpenTelemetryTracer } from './options/opentelemetry-types.js';
export type {
  CacheTraceContext,
  FactoryTraceContext,
  LockWaitTraceContext,
  LookupTraceContext,
} from './events/tracing-channels.js';
export type {
  WriteBehindModuleOptions,
  WriteBehindJobOptions,
  WriteBehindBackoff,
  WriteBehindDurability,
} from './write/write-behind-options.js';
export type { WriteBehindOptions } from './write/write-strategies.js';
export type { WriteBehindJobInfo } from './write/write-behind-job.js';
export type { WriteBehindQueueApi, DeadLetter } from './write/write-behind-queue.js';
export type { WriterFunction } from './write/writer-registry.js';
export type {
  WriteBehindStatsSnapshot,
  WriteBehindQueueSample,
  LatencySnapshot,
} from './write/write-behind-stats.js';
export { WriteThrough } from './decorators/cache.decorators.js';
export { WriteBehind } from './decorators/cache.decorators.js';
export { WriteBehindHandler } from './decorators/cache.decorators.js';
export type {
  WriteThroughOptions,
  WriteBehindDecoratorOptions,
} from './decorators/cache.decorators.js';
export { CacheResponse } from './http/cache-response.decorator.js';
export type { CacheResponseOptions, CacheableRequest } from './http/cache-response-options.js';
