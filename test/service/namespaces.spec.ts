// Two apps with different namespaces on one Redis cannot see, delete, invalidate or clear each
// other's keys; clear() removes only its own namespace, over many SCAN batches.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCacheApp, uniqueNamespace, type CacheApp } from '../support/cache-app.js';
import { entryKey, namespaceKeys, rawRedis } from '../support/raw-redis.js';

let a: CacheApp;
let b: CacheApp;
let prefixed: CacheApp;
let raw: Redis;
let unrelatedKey: string;

beforeAll(async () => {
  const base = uniqueNamespace('ns');
  a = await createCacheApp({ cache: { namespace: base } });
  b = await createCacheApp({ cache: { namespace: `${base}-b` } });
  // Starts with a's namespace: a glob or prefix mistake in clear() would hit it.
  prefixed = await createCacheApp({ cache: { namespace: `${base}x` } });
  raw = rawRedis();
  unrelatedKey = `unrelated-${base}`;
});
beforeEach(async () => {
  await Promise.all([a.cache.clear(), b.cache.clear(), prefixed.cache.clear()]);
  await raw.set(unrelatedKey, 'not the cache');
});
afterAll(async () => {
  for (const app of [a, b, prefixed]) {
    await app.cache.clear();
    await app.close();
  }
  await raw.del(unrelatedKey);
  await raw.quit();
});

describe('namespaces', () => {
  it('keys are stored as {namespace}:{key}', async () => {
    await a.cache.set('k', 1);
    expect(await raw.exists(`${a.namespace}:k`)).toBe(1);
  });

  it("one namespace cannot read another namespace's keys", async () => {
    await a.cache.set('shared-name', 'from a');
    expect(await b.cache.get('shared-name')).toBeUndefined();
    expect(await b.cache.has('shared-name')).toBe(false);
    expect(await b.cache.mget(['shared-name'])).toEqual([undefined]);
    expect(await b.cache.ttl('shared-name')).toBeUndefined();
    await b.cache.set('shared-name', 'from b');
    expect(await a.cache.get('shared-name')).toBe('from a');
    expect(await b.cache.get('shared-name')).toBe('from b');
  });

  it("one namespace cannot delete another namespace's keys", async () => {
    await a.cache.set('k', 'a');
    await b.cache.set('k', 'b');
    expect(await b.cache.del('k')).toBe(1);
    expect(await b.cache.del('k')).toBe(0);
    expect(await a.cache.get('k')).toBe('a');
  });

  it("getOrSet in one namespace does not hit another's entry", async () => {
    await a.cache.set('k', 'a');
    expect(await b.cache.getOrSet('k', () => 'b')).toBe('b');
    expect(await a.cache.get('k')).toBe('a');
  });

  it('a user key cannot reach into another namespace', async () => {
    // With namespace "X" and key "-b:k" the Redis key would be "X:-b:k", never "X-b:k".
    await b.cache.set('k', 'b');
    const suffix = b.namespace.slice(a.namespace.length);
    expect(await a.cache.get(`${suffix}:k`)).toBeUndefined();
    expect(await a.cache.del(`${suffix}:k`)).toBe(0);
    expect(await b.cache.get('k')).toBe('b');
  });

  it('invalidating a tag in one namespace leaves the same tag in another alone', async () => {
    await a.cache.set('k', 'a', { tags: ['product:1'] });
    await b.cache.set('k', 'b', { tags: ['product:1'] });
    await a.cache.invalidateTags('product:1');
    expect(await a.cache.get('k')).toBeUndefined();
    expect(await b.cache.get('k')).toBe('b');
  });
});

describe('clear', () => {
  it('removes only its own namespace: other namespaces and unrelated keys survive', async () => {
    await a.cache.mset([
      { key: 'one', value: 1, tags: ['t'] },
      { key: 'two', value: 2 },
    ]);
    await b.cache.mset([
      { key: 'one', value: 'b1', tags: ['t'] },
      { key: 'two', value: 'b2' },
    ]);
    await prefixed.cache.set('one', 'p1', { tags: ['t'] });
    const bKeys = await namespaceKeys(raw, b.namespace);
    const prefixedKeys = await namespaceKeys(raw, prefixed.namespace);

    await a.cache.clear();

    expect(await namespaceKeys(raw, a.namespace)).toEqual([]);
    expect(await a.cache.mget(['one', 'two'])).toEqual([undefined, undefined]);
    expect(await namespaceKeys(raw, b.namespace)).toEqual(bKeys);
    expect(await b.cache.mget(['one', 'two'])).toEqual(['b1', 'b2']);
    expect(await namespaceKeys(raw, prefixed.namespace)).toEqual(prefixedKeys);
    expect(await prefixed.cache.get('one')).toBe('p1');
    expect(await raw.get(unrelatedKey)).toBe('not the cache');
  });

  it('clears more keys than one SCAN batch (2,000 entries plus tags)', async () => {
    const entries = Array.from({ length: 2_000 }, (_, i) => ({
      key: `item:${i}`,
      value: { i },
      tags: [`group:${i % 50}`],
    }));
    await a.cache.mset(entries);
    await b.cache.set('survivor', 'yes');
    expect((await namespaceKeys(raw, a.namespace)).length).toBe(2_050);

    await a.cache.clear();

    expect(await namespaceKeys(raw, a.namespace)).toEqual([]);
    expect(await a.cache.get('item:1999')).toBeUndefined();
    expect(await b.cache.get('survivor')).toBe('yes');
    expect(await raw.get(unrelatedKey)).toBe('not the cache');
  });

  it('clear on an empty namespace is fine', async () => {
    await a.cache.clear();
    await a.cache.clear();
    expect(await namespaceKeys(raw, a.namespace)).toEqual([]);
  });

  it('the cache works normally after clear', async () => {
    await a.cache.set('k', 'v', { tags: ['t'] });
    await a.cache.clear();
    await a.cache.set('k', 'again', { tags: ['t'] });
    expect(await a.cache.get('k')).toBe('again');
    expect(await raw.exists(entryKey(a.namespace, 'k'))).toBe(1);
  });
});
