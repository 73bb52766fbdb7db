// Tag invalidation on one server, what is single-node only: edge inputs (a tag never used, a
// repeated tag, no tag, invalid tags), the Redis cost of an invalidation (O(1) commands whatever
// the number of entries) and tag keys expiring with their entries. What a tag invalidation does to
// entries (set, mset, getOrSet, several tags, another instance, set again, racing a factory) is
// asserted on every topology in test/topologies/tags.spec.ts.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidKeyError, type RedisCacheService } from '../../lib/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import { entryKey, namespaceKeys, rawRedis, tagKey } from '../support/raw-redis.js';
import { RedisServer } from '../support/redis-server.js';

describe('invalidateTags', () => {
  let app: CacheApp;
  let cache: RedisCacheService;
  let raw: Redis;

  beforeAll(async () => {
    app = await createCacheApp();
    cache = app.cache;
    raw = rawRedis();
  });
  beforeEach(() => cache.clear());
  afterAll(async () => {
    await cache.clear();
    await app.close();
    await raw.quit();
  });

  it('entries written after the invalidation are not affected by it', async () => {
    await cache.invalidateTags('never-used');
    await cache.set('k', 'v', { tags: ['never-used'] });
    expect(await cache.get('k')).toBe('v');
  });

  it('a repeated tag in one entry is fine', async () => {
    await cache.set('k', 'v', { tags: ['t', 't'] });
    expect(await cache.get('k')).toBe('v');
    await cache.invalidateTags('t', 't');
    expect(await cache.get('k')).toBeUndefined();
  });

  it('invalidateTags() with no tags does nothing; an invalid tag is an InvalidKeyError', async () => {
    await cache.set('k', 'v', { tags: ['t'] });
    await cache.invalidateTags();
    expect(await cache.get('k')).toBe('v');
    await expect(cache.invalidateTags('')).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(cache.invalidateTags(5 as never)).rejects.toBeInstanceOf(InvalidKeyError);
    expect(await cache.get('k')).toBe('v');
  });

  it('set with an invalid tag writes nothing', async () => {
    await expect(cache.set('k', 'v', { tags: ['ok', ''] })).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(cache.set('k', 'v', { tags: [null as never] })).rejects.toBeInstanceOf(
      InvalidKeyError,
    );
    expect(await namespaceKeys(raw, app.namespace)).toEqual([]);
  });
});

describe('tag keys expire with their entries (no leak)', () => {
  let app: CacheApp;
  let raw: Redis;
  beforeAll(async () => {
    app = await createCacheApp();
    raw = rawRedis();
  });
  afterAll(async () => {
    await app.cache.clear();
    await app.close();
    await raw.quit();
  });

  it('once every entry of a tag expired, the tag key is gone too', async () => {
    const { cache, namespace } = app;
    const written = Date.now();
    await cache.set('short', 1, { ttl: '300ms', tags: ['shared', 'only-short'] });
    await cache.set('long', 2, { ttl: '900ms', tags: ['shared'] });
    await cache.getOrSet('computed', () => 3, { ttl: '300ms', tags: ['only-computed'] });
    expect(await raw.exists(tagKey(namespace, 'shared'))).toBe(1);
    expect(await raw.pttl(tagKey(namespace, 'shared'))).toBeGreaterThan(0);

    // Expiry is Redis's own (PX), on real time. The shared tag lives as long as its longest-lived
    // entry; the others are gone with theirs (300 ms), while `long` (900 ms) is still there.
    const longLived = [entryKey(namespace, 'long'), tagKey(namespace, 'shared')].sort();
    await eventually(
      () => namespaceKeys(raw, namespace),
      (keys) => JSON.stringify(keys) === JSON.stringify(longLived),
      { timeoutMs: 600, what: 'only the long-lived entry and its tag left' },
    );
    expect(await cache.get('short')).toBeUndefined();
    expect(await cache.get('long')).toBe(2);

    // ...and the shared tag goes with `long`: everything is gone 1.1 s after the writes.
    await eventually(
      () => namespaceKeys(raw, namespace),
      (keys) => keys.length === 0,
      { timeoutMs: Math.max(0, written + 1_100 - Date.now()), what: 'every key gone' },
    );
  });

  it('an entry without expiry keeps its tag key without expiry', async () => {
    const { cache, namespace } = app;
    await cache.set('forever', 1, { ttl: '200ms', tags: ['kept'] });
    await cache.set('forever', 1, { ttl: 0, tags: ['kept'] });
    expect(await raw.pttl(tagKey(namespace, 'kept'))).toBe(-1);
    await cache.invalidateTags('kept');
    expect(await raw.exists(tagKey(namespace, 'kept'))).toBe(0);
  });
});

describe('many entries on one tag', () => {
  let server: RedisServer;
  let app: CacheApp;
  let raw: Redis;
  beforeAll(async () => {
    server = await RedisServer.start();
    // A generous command timeout: on a busy machine 10,000 pipelined tag checks may take longer
    // than the default, and a timed-out read would also look like a miss.
    app = await createCacheApp({ cache: { url: server.url, redisTimeouts: { command: '5s' } } });
    raw = rawRedis(server.url);
  });
  afterAll(async () => {
    await app.close();
    await raw.quit();
    await server.dispose();
  });

  async function commandsProcessed(): Promise<number> {
    const info = await raw.info('stats');
    return Number(/total_commands_processed:(\d+)/.exec(info)![1]);
  }

  it('invalidating a tag on 10,000 entries is a couple of commands, and every entry misses', async () => {
    const { cache } = app;
    const keys = Array.from({ length: 10_000 }, (_, i) => `item:${i}`);
    await cache.mset(keys.map((key, i) => ({ key, value: { i }, tags: ['bulk'] })));
    await cache.set('other', 'kept', { tags: ['other-tag'] });
    const before = await cache.mget(keys);
    expect(before.filter((v) => v !== undefined)).toHaveLength(10_000);
    expect(before[1234]).toEqual({ i: 1234 });

    const commandsBefore = await commandsProcessed();
    const started = Date.now();
    await cache.invalidateTags('bulk');
    const elapsed = Date.now() - started;
    const commands = (await commandsProcessed()) - commandsBefore;
    // One UNLINK plus the INFO that measured it: no scan, no per-entry fan-out.
    expect(commands).toBeLessThanOrEqual(2);
    expect(elapsed).toBeLessThan(1_000);

    const after = await cache.mget(keys);
    expect(after.every((v) => v === undefined)).toBe(true);
    // Real misses, not Redis failures.
    expect(cache.stats().redis.errors).toBe(0);
    expect(await cache.get('other')).toBe('kept');

    // The slow log holds nothing from the invalidation (no command took over 10 ms).
    const slow = (await raw.slowlog('GET', 128)) as [number, number, number, string[]][];
    expect(slow.filter(([, , , args]) => args[0]?.toUpperCase() === 'UNLINK')).toEqual([]);
  });
});
