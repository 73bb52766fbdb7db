// Whether the shop uses its cache: CACHE_DISABLED=1 starts it without (the baseline of
// `npm run load`), and the dashboard can switch it at runtime (PUT /dashboard/caching) to compare
// both modes live. Decorator options are fixed when a class is defined, so every @Cacheable and
// @CacheResponse in the shop reads this process-wide switch through its `condition`. (The library
// has no module-wide "bypass" option; `condition` is how a method or a route opts out.)

let enabled = process.env.CACHE_DISABLED !== '1';

/** `condition` of every @Cacheable and @CacheResponse in the shop: false bypasses the cache for the call. */
export const cachingOn = (): boolean => enabled;

export function setCaching(on: boolean): void {
  enabled = on;
}
