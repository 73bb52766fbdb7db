// The `nestjs-redis-cache/testing` entry: what tests need and apps do not. A throwaway Redis per
// test file, and the clock that moves time forward instead of sleeping.
export { startTestRedis, type TestRedis, type TestRedisOptions } from './test-redis.js';
export { TestRedisError } from './redis-server.js';
export { ManualClock, type CacheClock } from '../time/clock.js';
export { CACHE_CLOCK } from '../time/clock.constants.js';
export { disabledRedisCacheModule } from './disabled-module.js';
