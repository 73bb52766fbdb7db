// @CacheResponse for the shop's listing routes, behind the same process-wide switch as every
// @Cacheable in the shop (CACHE_DISABLED=1 at start, the dashboard's PUT /dashboard/caching at
// run time): with the switch off a request runs the handler as if it were not decorated.
import { CacheResponse, type CacheResponseOptions } from 'nestjs-redis-cache';
import { cachingOn } from '../config/caching-switch.js';

export function ShopCacheResponse(options: CacheResponseOptions): MethodDecorator {
  return CacheResponse({ ...options, condition: cachingOn });
}
