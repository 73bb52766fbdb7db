// Typed errors of the library; see redis-cache.error.ts for the shared shape.
export * from './redis-cache.error.js';
export * from './cache-option.error.js';
export * from './cache-config.error.js';
export * from './invalid-ttl.error.js';
export * from './invalid-key.error.js';
export * from './serialization.error.js';
export * from './value-too-large.error.js';
export * from './entry-too-large.error.js';
export * from './too-many-tags.error.js';
export * from './cache-decorator.error.js';
export * from './cache-key-resolution.error.js';
export * from './write-behind.error.js';
export * from './factory-timeout.error.js';
export * from './lock-timeout.error.js';
