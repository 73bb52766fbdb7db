// The injection token of the module's engine (cache-engine.ts): the Nest layer's classes
// (decorator invokers, the response cache, the stats interceptor) reach the engine through it.
// Internal: never exported from a package entry.
export const CACHE_ENGINE = Symbol('redis_cache:engine');
