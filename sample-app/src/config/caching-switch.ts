// Whether the shop uses its cache: CACHE_DISABLED=1 starts it without (the baseline of
// `npm run load`), and the dashboard can switch it at runtime (PUT /dashboard/caching) to compare
// both modes live. Decorator options are fixed when a class is defined, so every @Cacheable in the
// shop reads this process-wide switch through its `condition`. (The library has no module-wide
// "bypass" option; `condition` is how a method opts out.)

let enabled = process.env.CACHE_DISABLED !== '1';

/** `condition` of every @Cacheable in the shop: false bypasses the cache for the call. */
export const cachingOn = (): boolean => enabled;

export function setCaching(on: boolean): void {
  enabled = on;
}

/**
 * Whether the shop started with its cache: @CacheResponse has no `condition` yet, so routes cached
 * whole are decorated only when the process starts with the cache (see cacheResponseUnlessDisabled).
 */
export const cachingAtStart = enabled;
