// A cache without Nest, for scripts, workers and other frameworks: the same engine the module
// builds, from the same options, started and ready to use; close() shuts it down in order.
import { consoleLogger, type CacheLogger } from '../events/cache-logger.js';
import type { CacheEvents } from '../events/cache-event-bus.js';
import type { RedisCacheHealthIndicator } from '../metrics/redis-cache.health-indicator.js';
import type { RedisCacheService } from '../service/redis-cache.service.js';
import { systemClock } from '../time/clock.js';
import type { WriterFunction } from '../write/writer-registry.js';
import { CacheEngine } from './cache-engine.js';
import type { RedisCacheModuleOptions } from './redis-cache-options.interface.js';
import { resolveOptions } from './resolve-options.js';

export interface RedisCache {
  /** get/set/getOrSet/invalidateTags/stats...: the object `RedisCacheService` injects in an app. */
  readonly cache: RedisCacheService;
  /** The cache's events (`cache:hit`, `cache:miss`...). */
  readonly events: CacheEvents;
  readonly health: RedisCacheHealthIndicator;
  /** What `@WriteBehindHandler(name)` does in an app: the function that persists `writeBehind(..., name)` jobs. */
  registerWriter(name: string, writer: WriterFunction): void;
  /** Stops the write-behind worker (running writers finish), sends the last stats, closes the connections it opened. */
  close(): Promise<void>;
}

export interface RedisCacheSetup {
  /** Where warnings go. Default: stderr, one line each. */
  logger?: CacheLogger;
}

/**
 * Builds and starts a cache (connected, or serving uncached while Redis is unreachable, as in an
 * app). Options are RedisCacheModule.forRoot()'s, validated the same way.
 */
export async function createRedisCache(
  options: RedisCacheModuleOptions = {},
  setup: RedisCacheSetup = {},
): Promise<RedisCache> {
  const engine = new CacheEngine(resolveOptions(options), {
    logger: setup.logger ?? consoleLogger,
    clock: systemClock,
  });
  try {
    await engine.start();
    await engine.startWorkers();
  } catch (error) {
    await engine.close();
    throw error;
  }
  return {
    cache: engine.cache,
    events: engine.events,
    health: engine.health,
    registerWriter: (name, writer) => engine.writers.register(name, writer),
    close: async () => {
      await engine.drain();
      await engine.close();
    },
  };
}
