// Tag keys exist only for entries that need them: a lookup that stores nothing (its factory
// returned undefined, or threw) leaves no tag key behind, with or without the distributed lock,
// and a tag key never lives longer than the longest entry stored under it.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
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

/** No tag key once the lookup returned; no key at all once its lock's release (sent behind) landed. */
async function expectNothingLeft(): Promise<void> {
  const keys = await namespaceKeys(raw, app.namespace);
  expect(keys.filter((key) => key.includes('#tag:'))).toEqual([]);
  await eventually(
    () => namespaceKeys(raw, app.namespace),
    (left) => left.length === 0,
    { timeoutMs: 3_000, what: 'an empty namespace' },
  );
}

describe('a lookup that stores nothing writes no tag key', () => {
  for (const lock of [true, false]) {
    it(`factory returning undefined (lock: ${lock})`, async () => {
      const value = await app.cache.getOrSet('missing:1', () => undefined, {
        tags: ['product:1', 'products'],
        ttl: '1h',
        lock,
      });
      expect(value).toBeUndefined();
      await expectNothingLeft();
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
      await expectNothingLeft();
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
      await eventually(
        async () => (await namespaceKeys(raw, app.namespace)).filter((k) => k.includes('#lock:')),
        (locks) => locks.length === 0,
      );
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
    await expectNothingLeft();
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

describe('entry and tags are stored together, or neither', () => {
  it('an invalidation while the factory runs: nothing is stored, not even a stale entry', async () => {
    let release!: () => void;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const pending = app.cache.getOrSet(
      'raced',
      async () => {
        started();
        await new Promise<void>((resolve) => (release = resolve));
        return 'computed from old data';
      },
      { tags: ['fresh-tag', 'other'], ttl: '1h' },
    );
    await running;
    await app.cache.invalidateTags('fresh-tag');
    release();
    expect(await pending).toBe('computed from old data');
    await eventually(
      () => namespaceKeys(raw, app.namespace),
      (keys) => keys.length === 0,
      { timeoutMs: 3_000, what: 'no entry, no tag, no lock' },
    );
  });

  it('a factory slower than the tag lease (5 s) still stores under the tag it created', async () => {
    const value = await app.cache.getOrSet(
      'slow',
      () => new Promise((resolve) => setTimeout(() => resolve('slow value'), 6_500)),
      { tags: ['slow-tag'], ttl: '1m', lock: false },
    );
    expect(value).toBe('slow value');
    expect(await app.cache.get('slow')).toBe('slow value');
    const tagTtl = await raw.pttl(tagKey(app.namespace, 'slow-tag'));
    expect(tagTtl).toBeGreaterThan(50_000);
    expect(tagTtl).toBeLessThanOrEqual(60_000);
  }, 30_000);
});
