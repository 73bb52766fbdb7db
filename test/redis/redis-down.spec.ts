// Redis faults on a server of the test's own: stopped, restarted on the same port, frozen with
// SIGSTOP. Reads become misses, writes are skipped, getOrSet serves the factory, everything
// returns within about redisTimeouts.command, one warning per outage, and caching resumes by itself.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RedisCacheService } from '../../lib/index.js';
import type { CacheClock } from '../../lib/testing/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { LogCapture } from '../support/log-capture.js';
import { RedisServer } from '../support/redis-server.js';

const COMMAND_TIMEOUT_MS = 200;
const RETRY_AFTER_MS = 300;

/**
 * Real time that a test can move forward (the `clock` option takes any `{ now() }`): the retry
 * period after a failure runs on it. Not a ManualClock: the other tests wait for Redis to come
 * back, so their retry periods must also pass by themselves.
 */
let skippedMs = 0;
const clock: CacheClock = { now: () => Date.now() + skippedMs };

const logs = new LogCapture();
afterAll(() => logs.restore());

let server: RedisServer;
let app: CacheApp;
let cache: RedisCacheService;

beforeEach(async () => {
  server = await RedisServer.start();
  app = await createCacheApp({
    cache: {
      url: server.url,
      redisTimeouts: { command: `${COMMAND_TIMEOUT_MS}ms`, retryAfter: `${RETRY_AFTER_MS}ms` },
    },
    clock,
  });
  cache = app.cache;
  // After compile(): Nest's testing module installs its own logger while compiling.
  logs.attach();
  logs.clear();
});
afterEach(async () => {
  // Closing while Redis is down is not what these tests measure: bring it back first.
  server.resume();
  if (!server.running) await server.start();
  await app.close();
  await server.dispose();
});

const outageWarnings = () =>
  logs.of('warn', 'RedisCache').filter((entry) => /unavailable/i.test(entry.message));

/** Resolves once a set/get round trip works again (bounded). */
async function untilCachingWorks(timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < deadline; i++) {
    await cache.set('probe', i);
    if ((await cache.get('probe')) === i) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`caching did not resume within ${timeoutMs} ms`);
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

describe('Redis stopped', () => {
  it('reads are misses, writes are skipped, getOrSet serves the factory, nothing throws', async () => {
    await cache.set('kept', 'v', { tags: ['t'] });
    expect(await cache.get('kept')).toBe('v');
    await server.stop();

    expect(await cache.get('kept')).toBeUndefined();
    await expect(cache.set('new', 'v')).resolves.toBeUndefined();
    await expect(cache.set('new-tagged', 'v', { tags: ['t'] })).resolves.toBeUndefined();
    await expect(cache.mset([{ key: 'm', value: 1 }])).resolves.toBeUndefined();
    expect(await cache.mget(['kept', 'new'])).toEqual([undefined, undefined]);
    expect(await cache.has('kept')).toBe(false);
    expect(await cache.ttl('kept')).toBeUndefined();
    expect(await cache.del('kept')).toBe(0);
    await expect(cache.invalidateTags('t')).resolves.toBeUndefined();

    let calls = 0;
    expect(await cache.getOrSet('computed', () => ++calls)).toBe(1);
    expect(await cache.getOrSet('computed', () => ++calls, { tags: ['t'] })).toBe(2);
    expect(await cache.getOrSet('computed', async () => ++calls, { ttl: '1m' })).toBe(3);

    const { redis } = cache.stats();
    expect(redis.available).toBe(false);
    expect(redis.outages).toBe(1);
    expect(redis.skippedWrites).toBeGreaterThanOrEqual(4);
  });

  it('calls during the outage return quickly', async () => {
    await server.stop();
    const get = await timed(() => cache.get('k'));
    const getOrSet = await timed(() => cache.getOrSet('k', () => 'factory'));
    const set = await timed(() => cache.set('k', 'v'));
    expect(get.value).toBeUndefined();
    expect(getOrSet.value).toBe('factory');
    for (const call of [get, getOrSet, set]) expect(call.ms).toBeLessThan(COMMAND_TIMEOUT_MS * 5);
  });

  it('logs one warning per outage, however many calls fail', async () => {
    await server.stop();
    for (let i = 0; i < 20; i++) {
      await cache.get(`k${i}`);
      await cache.set(`k${i}`, i);
    }
    await Promise.all(Array.from({ length: 50 }, (_, i) => cache.getOrSet(`c${i}`, () => i)));
    expect(outageWarnings()).toHaveLength(1);
    expect(cache.stats().redis.outages).toBe(1);
    expect(cache.stats().redis.skippedWrites).toBeGreaterThanOrEqual(20);
  });

  it('restarted on the same port, caching resumes by itself', async () => {
    await cache.set('before', 1);
    await server.stop();
    expect(await cache.get('before')).toBeUndefined();
    await server.start();

    await untilCachingWorks();
    expect(cache.stats().redis.available).toBe(true);
    expect(logs.of('log', 'RedisCache').some((entry) => /again|resumed/i.test(entry.message))).toBe(
      true,
    );
    // Entries written now are served again.
    let calls = 0;
    expect(await cache.getOrSet('after', () => ++calls)).toBe(1);
    expect(await cache.getOrSet('after', () => ++calls)).toBe(1);
    await cache.set('tagged', 'v', { tags: ['t'] });
    expect(await cache.get('tagged')).toBe('v');
    await cache.invalidateTags('t');
    expect(await cache.get('tagged')).toBeUndefined();

    // A second outage is a second warning and a second counted outage.
    await server.stop();
    await cache.get('x');
    await cache.set('x', 1);
    expect(outageWarnings()).toHaveLength(2);
    expect(cache.stats().redis.outages).toBe(2);
    await server.start();
    await untilCachingWorks();
  });

  it('killed with SIGKILL behaves the same', async () => {
    await server.stop('SIGKILL');
    expect(await cache.getOrSet('k', () => 'factory')).toBe('factory');
    expect(await cache.get('k')).toBeUndefined();
    await server.start();
    await untilCachingWorks();
    await cache.set('k', 'cached');
    expect(await cache.get('k')).toBe('cached');
  });
});

describe('Redis frozen (SIGSTOP)', () => {
  it('calls return within about redisTimeouts.command as misses; errors are counted; resume recovers', async () => {
    await cache.set('k', 'stored before the freeze');
    server.pause();
    try {
      const get = await timed(() => cache.get('k'));
      expect(get.value).toBeUndefined();
      expect(get.ms).toBeLessThan(COMMAND_TIMEOUT_MS * 4);

      const getOrSet = await timed(() => cache.getOrSet('g', () => 'factory'));
      expect(getOrSet.value).toBe('factory');
      expect(getOrSet.ms).toBeLessThan(COMMAND_TIMEOUT_MS * 4);

      const set = await timed(() => cache.set('s', 'v', { tags: ['t'] }));
      expect(set.ms).toBeLessThan(COMMAND_TIMEOUT_MS * 4);

      // After the retry period, Redis is tried again: still bounded by the command timeout.
      skippedMs += RETRY_AFTER_MS + 50;
      const retried = await timed(() =>
        Promise.all(Array.from({ length: 20 }, (_, i) => cache.getOrSet(`r${i}`, () => i))),
      );
      expect(retried.value).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(retried.ms).toBeLessThan(COMMAND_TIMEOUT_MS * 4);

      const { redis } = cache.stats();
      expect(redis.errors).toBeGreaterThanOrEqual(1);
      expect(redis.outages).toBe(1);
      expect(redis.available).toBe(false);
      expect(outageWarnings()).toHaveLength(1);
    } finally {
      server.resume();
    }
    await untilCachingWorks();
    // The data survived the freeze and is served again.
    expect(await cache.get('k')).toBe('stored before the freeze');
    expect(cache.stats().redis.available).toBe(true);
  });
});
