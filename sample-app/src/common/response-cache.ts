// @CacheResponse for the shop's listing routes, left off in a process started with
// CACHE_DISABLED=1 (the load test's baseline): the decorator has no per-request `condition` like
// @Cacheable's, so the dashboard's runtime switch does not bypass these routes.
import { CacheResponse, type CacheResponseOptions } from 'nestjs-redis-cache';
import { cachingAtStart } from '../config/caching-switch.js';

export function CacheResponseUnlessDisabled(options: CacheResponseOptions): MethodDecorator {
  return cachingAtStart ? CacheResponse(options) : () => undefined;
}
