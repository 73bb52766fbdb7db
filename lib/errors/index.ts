// Typed errors of the library; see redis-cache.error.ts for the shared shape.
export * from './redis-cache.error.js';
export * from './cache-config.error.js';
export * from './invalid-ttl.error.js';
export * from './invalid-key.error.js';
export * from './serialization.error.js';
