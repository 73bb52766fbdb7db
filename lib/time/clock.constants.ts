// The injection token of the clock (clock.ts). Provided by RedisCacheModule from the `clock`
// option (the real clock by default); a test can swap it with `overrideProvider(CACHE_CLOCK)`.
export const CACHE_CLOCK = Symbol('redis_cache:clock');
