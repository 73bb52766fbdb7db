// CACHE_DISABLED=1 runs the shop without its cache, as the baseline of `npm run load`: every
// @Cacheable read goes to the database and orders are written synchronously. Decorator options
// are fixed when the class is defined, so the switch is read once per process, at import.
// (The library has no module-wide "bypass" option yet; `condition` is how a method opts out.)

const enabled = process.env.CACHE_DISABLED !== '1';

/** `condition` of every @Cacheable in the shop: false bypasses the cache for the call. */
export const cachingOn = (): boolean => enabled;
