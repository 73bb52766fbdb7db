// Tag invalidation: every entry written with a tag is a miss once the tag is invalidated, others
// are untouched, it costs Redis O(1) commands whatever the number of entries, an invalidation
// during a getOrSet factory wins, and tag keys expire with their entries.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidKeyError, type RedisCacheService } from '../../lib/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { eventually, sleep } from '../support/eventually.js';
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

  it('makes every entry written with the tag a miss, and leaves other tags alone', async () => {
    await cache.set('product:42', { id: 42 }, { tags: ['product:42', 'products'] });
    await cache.set('product:43', { id: 43 }, { tags: ['product:43', 'products'] });
    await cache.set('list:home', [42, 43], { tags: ['products'] });
    await cache.set('user:1', { id: 1 }, { tags: ['users'] });
    await cache.set('untagged', 'u');

    await cache.invalidateTags('product:42');
    expect(
      await cache.mget(['product:42', 'product:43', 'list:home', 'user:1', 'untagged']),
    ).toEqual([undefined, { id: 43 }, [42, 43], { id: 1 }, 'u']);

    await cache.invalidateTags('products');
    expect(await cache.get('product:43')).toBeUndefined();
    expect(await cache.get('list:home')).toBeUndefined();
    expect(await cache.get('user:1')).toEqual({ id: 1 });
    expect(await cache.get('untagged')).toBe('u');
  });

  it('invalidates several tags in one call', async () => {
    await cache.set('a', 1, { tags: ['ta'] });
    await cache.set('b', 2, { tags: ['tb'] });
    await cache.set('c', 3, { tags: ['tc'] });
    await cache.invalidateTags('ta', 'tb');
    expect(await cache.mget(['a', 'b', 'c'])).toEqual([undefined, undefined, 3]);
  });

  it('an invalidated entry misses in getOrSet, which recomputes it', async () => {
    let calls = 0;
    const factory = () => ++calls;
    expect(await cache.getOrSet('k', factory, { tags: ['t'] })).toBe(1);
    expect(await cache.getOrSet('k', factory, { tags: ['t'] })).toBe(1);
    await cache.invalidateTags('t');
    expect(await cache.getOrSet('k', factory, { tags: ['t'] })).toBe(2);
    expect(await cache.getOrSet('k', factory, { tags: ['t'] })).toBe(2);
  });

  it('an entry set again after invalidation is a hit, and can be invalidated again', async () => {
    await cache.set('k', 'old', { tags: ['t'] });
    await cache.invalidateTags('t');
    expect(await cache.get('k')).toBeUndefined();
    await cache.set('k', 'new', { tags: ['t'] });
    expect(await cache.get('k')).toBe('new');
    expect(await cache.has('k')).toBe(true);
    await cache.invalidateTags('t');
    expect(await cache.get('k')).toBeUndefined();
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

  it('an invalidation during a getOrSet factory wins: the stored entry reads as a miss', async () => {
    let factoryStarted!: () => void;
    let releaseFactory!: () => void;
    const started = new Promise<void>((resolve) => (factoryStarted = resolve));
    const release = new Promise<void>((resolve) => (releaseFactory = resolve));
    const pending = cache.getOrSet(
      'race',
      async () => {
        factoryStarted();
        await release;
        return 'computed from stale data';
      },
      { tags: ['race'] },
    );
    await started;
    await cache.invalidateTags('race');
    releaseFactory();
    // The caller still gets its value, but it is not served to anyone else.
    expect(await pending).toBe('computed from stale data');
    expect(await cache.get('race')).toBeUndefined();
    expect(await cache.has('race')).toBe(false);
    // The next getOrSet recomputes with fresh data, and that one sticks.
    expect(await cache.getOrSet('race', () => 'fresh', { tags: ['race'] })).toBe('fresh');
    expect(await cache.get('race')).toBe('fresh');
  });

  it('a slow factory racing an invalidation, timed with sleeps', async () => {
    const pending = cache.getOrSet(
      'slow',
      async () => {
        await sleep(300);
        return 'stale';
      },
      { tags: ['slow-tag'], ttl: 60 },
    );
    await sleep(50);
    await cache.invalidateTags('slow-tag');
    expect(await pending).toBe('stale');
    expect(await cache.get('slow')).toBeUndefined();
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
