// @InjectCache(name): injects the RedisCacheService of a named cache (RedisCacheModule.forFeature),
// as @InjectQueue(name) does for @nestjs/bullmq; without a name, the default cache.
import { Inject } from '@nestjs/common';
import { getCacheToken } from '../engine/cache-engine.constants.js';
import { RedisCacheService } from '../service/redis-cache.service.js';

/**
 * Injects the RedisCacheService of the cache `name` (RedisCacheModule.forFeature({ name })), or of
 * the default cache (forRoot) without a name.
 *
 * @example
 * ```ts
 * constructor(@InjectCache('sessions') private readonly sessions: RedisCacheService) {}
 * ```
 */
export function InjectCache(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(name === undefined ? RedisCacheService : getCacheToken(name));
}
