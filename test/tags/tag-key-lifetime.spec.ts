// Tag keys exist only for entries that need them: a lookup that stores nothing (its factory
// returned undefined, or threw) leaves no tag key behind, with or without the distributed lock,
// and a tag key never lives longer than the longest entry stored under it.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { entryKey, namespaceKeys, rawRedis, tagKey } from '../support/raw-redis.js';
import { RedisServer } from '../support/redis-server.js';

let server: RedisServer;
let raw: Redis;
let app: CacheApp;

beforeAll(async () => {
  server = await RedisServer.start();
  raw = rawRedis(server.url);
  app = await createCacheApp({ cache: { url: server.url } });
});
beforeEach(() => app.cache.clear());
afterAll(async () => {
  await app.close();
  await raw.quit();
  await server.dispose();
});

describe('a lookup that stores nothing writes no tag key', () => {
  for (const lock of [true, false]) {
    it(`factory returning undefined (lock: ${lock})`, async () => {
      const value = await app.cache.getOrSet('missing:1', () => undefined, {
        tags: ['product:1', 'products'],
        ttl: '1h',
        lock,
      });
      expect(value).toBeUndefined();
      expect(await namespaceKeys(raw, app.namespace)).toEqual([]);
    });

    it(`factory that throws (lock: ${lock})`, async () => {
      await expect(
        app.cache.getOrSet(
          'broken:1',
          () => {
            throw new Error('origin down');
          },
          { tags: ['product:1', 'products'], ttl: '1h', lock },
        ),
      ).rejects.toThrow('origin down');
      expect(await namespaceKeys(raw, app.namespace)).toEqual([]);
    });

    it(`async factory that rejects, while the tag already exists (lock: ${lock})`, async () => {
      await app.cache.set('kept', 1, { tags: ['products'], ttl: '10s' });
      const before = await raw.pttl(tagKey(app.namespace, 'products'));
      await expect(
        app.cache.getOrSet('broken:2', () => Promise.reject(new Error('nope')), {
          tags: ['products', 'product:2'],
          ttl: '1h',
          lock,
        }),
      ).rejects.toThrow('nope');
      expect(await namespaceKeys(raw, app.namespace)).toEqual(
        [entryKey(app.namespace, 'kept'), tagKey(app.namespace, 'products')].sort(),
      );
      // The existing tag key was not stretched to the TTL of the lookup that stored nothing.
      expect(await raw.pttl(tagKey(app.namespace, 'products'))).toBeLessThanOrEqual(before);
    });
  }

  it('200 concurrent lookups of absent products (404s) leave nothing', async () => {
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        app.cache.getOrSet(`random:${i}`, () => undefined, {
          tags: [`product:${i}`, 'products'],
          ttl: '10m',
        }),
      ),
    );
    expect(await namespaceKeys(raw, app.namespace)).toEqual([]);
  });
});

describe('a tag key lives no longer than the longest entry stored under it', () => {
  it('getOrSet: the tag key expires with the entry', async () => {
    await app.cache.getOrSet('p', () => 'v', { tags: ['t'], ttl: '2s' });
    const entryTtl = await raw.pttl(entryKey(app.namespace, 'p'));
    const tagTtl = await raw.pttl(tagKey(app.namespace, 't'));
    expect(tagTtl).toBeGreaterThan(0);
    expect(tagTtl).toBeLessThanOrEqual(entryTtl + 50);
  });

  it('set: the tag key takes the longest TTL of its entries, never more', async () => {
    await app.cache.set('a', 1, { tags: ['t'], ttl: '2s' });
    await app.cache.set('b', 1, { tags: ['t'], ttl: '20s' });
    await app.cache.set('c', 1, { tags: ['t'], ttl: '5s' });
    const tagTtl = await raw.pttl(tagKey(app.namespace, 't'));
    expect(tagTtl).toBeGreaterThan(15_000);
    expect(tagTtl).toBeLessThanOrEqual(20_000);
  });
});
