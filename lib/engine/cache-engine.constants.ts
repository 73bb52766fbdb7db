// The injection token of the module's engine (cache-engine.ts): the Nest layer's classes
// (decorator invokers, the response cache, the stats interceptor) reach the engine through it.
// Internal: never exported from a package entry.
export const CACHE_ENGINE = Symbol('redis_cache:engine');

// The app's engines by cache name (cache-engines.ts): the default one and every forFeature() one.
export const CACHE_ENGINES = Symbol('redis_cache:engines');

/** The injection token of the RedisCacheService of the named cache `name` (what @InjectCache injects). */
export function getCacheToken(name: string): string {
  return `redis_cache:cache:${name}`;
}
