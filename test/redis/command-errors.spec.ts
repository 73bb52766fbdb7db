// An error reply about one command (a key of the wrong type, OOM, NOSCRIPT after SCRIPT FLUSH) is
// no outage: that one operation fails (a read is a miss, counted in `errors`, logged once per key
// and kind), every other key keeps hitting and `stats().redis.available` stays true.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RedisCacheService } from '../../lib/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { LogCapture } from '../support/log-capture.js';
import { rawRedis } from '../support/raw-redis.js';
import { RedisServer } from '../support/redis-server.js';

const logs = new LogCapture();
let server: RedisServer;
let raw: Redis;
let app: CacheApp;
let cache: RedisCacheService;

beforeAll(async () => {
  server = await RedisServer.start();
  raw = rawRedis(server.url);
});
afterAll(async () => {
  logs.restore();
  raw.disconnect();
  await server.dispose();
});

beforeEach(async () => {
  await raw.flushall();
  // A long retryAfter: were a command error taken for an outage, every later call would miss.
  app = await createCacheApp({
    cache: { url: server.url, namespace: 'wt', redisTimeouts: { retryAfter: '1m' } },
  });
  cache = app.cache;
  logs.attach();
  logs.clear();
});
afterEach(async () => {
  await app.close();
  await raw.config('SET', 'maxmemory', '0');
});

const commandErrorLines = () =>
  logs.of('warn', 'RedisCache').filter((entry) => /refused/.test(entry.message));
const outageLines = () =>
  logs.of('warn', 'RedisCache').filter((entry) => /unavailable/.test(entry.message));

describe('a key of the wrong type', () => {
  it('get() of it is a miss; the next key still hits; Redis stays available', async () => {
    await cache.set('ok', 'stored');
    await raw.hset('wt:cart', 'f', '1');

    expect(await cache.get('cart')).toBeUndefined();
    expect(await cache.get('ok')).toBe('stored');

    const { redis, hits } = cache.stats();
    expect(redis.available).toBe(true);
    expect(redis.outages).toBe(0);
    expect(redis.errors).toBe(1);
    expect(hits).toBe(1);
    expect(outageLines()).toHaveLength(0);
    const [line] = commandErrorLines();
    expect(line.message).toContain('wt:cart');
    expect(line.message).toContain('WRONGTYPE');
  });

  it('every path over it fails alone: getOrSet, has, mget, lock, tags', async () => {
    await cache.set('ok', 'stored', { tags: ['t'] });
    // A SET replaces a key of any type, so each step starts from a poisoned key again.
    const poison = async () => {
      await raw.del('wt:cart');
      await raw.hset('wt:cart', 'f', '1');
    };
    let calls = 0;
    await poison();
    expect(await cache.getOrSet('cart', () => ++calls)).toBe(1);
    await poison();
    expect(await cache.getOrSet('cart', () => ++calls, { lock: false })).toBe(2);
    await poison();
    expect(await cache.getOrSet('cart', () => ++calls, { tags: ['t'], grace: '1m' })).toBe(3);
    await poison();
    expect(await cache.has('cart')).toBe(false);
    expect(await cache.ttl('cart')).toBeUndefined();
    expect(await cache.mget(['cart', 'ok'])).toEqual([undefined, 'stored']);
    expect(await cache.get('ok')).toBe('stored');
    expect(await cache.getOrSet('ok', () => 'factory')).toBe('stored');

    const { redis } = cache.stats();
    expect(redis.available).toBe(true);
    expect(redis.outages).toBe(0);
    expect(redis.errors).toBeGreaterThan(0);
    expect(outageLines()).toHaveLength(0);
  });

  it('logs once per key and kind, however often it is read', async () => {
    await raw.hset('wt:cart', 'f', '1');
    await raw.hset('wt:other', 'f', '1');
    for (let i = 0; i < 50; i++) await cache.get('cart');
    await Promise.all(Array.from({ length: 50 }, () => cache.get('cart')));
    await cache.get('other');

    expect(cache.stats().redis.errors).toBeGreaterThanOrEqual(51);
    const lines = commandErrorLines();
    expect(lines.filter((entry) => entry.message.includes('wt:cart'))).toHaveLength(1);
    expect(lines.filter((entry) => entry.message.includes('wt:other'))).toHaveLength(1);
  });

  it('a scan over many poisoned keys logs a bounded number of lines', async () => {
    for (let i = 0; i < 100; i++) await raw.hset(`wt:bad${i}`, 'f', '1');
    for (let i = 0; i < 100; i++) expect(await cache.get(`bad${i}`)).toBeUndefined();
    expect(commandErrorLines().length).toBeLessThanOrEqual(10);
    expect(cache.stats().redis.available).toBe(true);
  });
});

describe('other error replies about one command', () => {
  it('OOM on writes: the write is skipped, reads keep hitting, Redis stays available', async () => {
    await cache.set('ok', 'stored');
    await raw.config('SET', 'maxmemory', '1');
    await raw.config('SET', 'maxmemory-policy', 'noeviction');

    await expect(cache.set('new', 'v')).resolves.toBeUndefined();
    let calls = 0;
    expect(await cache.getOrSet('computed', () => ++calls, { lock: false })).toBe(1);
    expect(await cache.get('ok')).toBe('stored');

    const { redis } = cache.stats();
    expect(redis.available).toBe(true);
    expect(redis.outages).toBe(0);
    expect(redis.skippedWrites).toBeGreaterThanOrEqual(2);
    expect(commandErrorLines().some((entry) => entry.message.includes('OOM'))).toBe(true);

    await raw.config('SET', 'maxmemory', '0');
    await cache.set('new', 'v');
    expect(await cache.get('new')).toBe('v');
  });

  it('scripts flushed from the server (SCRIPT FLUSH) are loaded again and work', async () => {
    // Lock, tags and grace go through Lua scripts.
    expect(await cache.getOrSet('locked', () => 1, { tags: ['t'] })).toBe(1);
    await raw.script('FLUSH');
    expect(await cache.getOrSet('locked-2', () => 2, { tags: ['t'] })).toBe(2);
    expect(await cache.getOrSet('locked-2', () => 3, { tags: ['t'] })).toBe(2);
    await cache.invalidateTags('t');
    expect(await cache.getOrSet('locked-2', () => 4, { tags: ['t'] })).toBe(4);
    await raw.script('FLUSH');
    const stale = await cache.getOrSet('graced', () => 5, { ttl: '1s', grace: '1m' });
    expect(stale).toBe(5);

    const { redis } = cache.stats();
    expect(redis.available).toBe(true);
    expect(redis.errors).toBe(0);
    expect(redis.outages).toBe(0);
    expect(commandErrorLines()).toHaveLength(0);
  });
});

describe('server-level failures are still an outage', () => {
  it('a replica whose master is down (MASTERDOWN) is an outage', async () => {
    // A replica of a master that does not exist answers MASTERDOWN while
    // replica-serve-stale-data is off: a server-level reply.
    const replica = await RedisServer.start();
    const admin = rawRedis(replica.url);
    await admin.config('SET', 'replica-serve-stale-data', 'no');
    await admin.call('REPLICAOF', '127.0.0.1', '1');
    admin.disconnect();
    const onReplica = await createCacheApp({
      cache: { url: replica.url, redisTimeouts: { retryAfter: '1m' } },
    });
    try {
      logs.attach();
      logs.clear();
      expect(await onReplica.cache.get('k')).toBeUndefined();
      const { redis } = onReplica.cache.stats();
      expect(redis.available).toBe(false);
      expect(redis.outages).toBe(1);
      expect(outageLines()[0].message).toMatch(/MASTERDOWN/);
    } finally {
      await onReplica.close();
      await replica.dispose();
    }
  });
});
