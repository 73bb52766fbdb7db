// RedisCacheService's key-value methods on every topology (single node, Cluster, Sentinel): what a
// user reads back after set/mset/del, has/ttl, expiry, across many slots on the Cluster, and
// clear() removing one namespace only. The home of these behaviours;
// test/service/redis-cache.service.spec.ts keeps what is single-node only (edge inputs, exact key
// layout and TTL units, mset's all-or-nothing writes).
import { describe, expect, it } from 'vitest';
import { topologies, useTopology } from '../support/topologies.js';

describe.each(topologies)('service on $name', (topology) => {
  const redis = useTopology(topology);

  it('set/get/has/ttl/del over 60 keys', async () => {
    const app = await redis.app();
    const keys = Array.from({ length: 60 }, (_, i) => `item:${i}`);
    await Promise.all(
      keys.map((key, i) => app.cache.set(key, { i, at: new Date(i) }, { ttl: '1m' })),
    );
    for (const [i, key] of keys.entries())
      expect(await app.cache.get(key)).toEqual({ i, at: new Date(i) });
    expect(await app.cache.has('item:7')).toBe(true);
    expect(await app.cache.has('absent')).toBe(false);
    expect(await app.cache.get('absent')).toBeUndefined();
    const ttl = await app.cache.ttl('item:3');
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await app.cache.ttl('absent')).toBeUndefined();

    expect(await app.cache.del(...keys.slice(0, 30), 'never-set')).toBe(30);
    expect(await app.cache.get('item:0')).toBeUndefined();
    expect(await app.cache.has('item:29')).toBe(false);
    expect(await app.cache.get('item:30')).toEqual({ i: 30, at: new Date(30) });
    expect(app.cache.stats().redis).toMatchObject({ available: true, errors: 0 });
  });

  it('mset/mget write and read back in order, with per-entry TTLs', async () => {
    const app = await redis.app();
    const entries = Array.from({ length: 40 }, (_, i) => ({
      key: `m:${i}`,
      value: i % 2 ? `v${i}` : { n: i, set: new Set([i]) },
      ttl: i % 3 ? ('1m' as const) : 0,
    }));
    await app.cache.mset(entries);
    expect(await app.cache.mget([...entries.map((e) => e.key), 'm:none'])).toEqual([
      ...entries.map((e) => e.value),
      undefined,
    ]);
    expect(await app.cache.ttl('m:0')).toBe(Number.POSITIVE_INFINITY);
    expect(await app.cache.ttl('m:1')).toBeGreaterThan(50);
    expect(await app.cache.ttl('m:1')).toBeLessThanOrEqual(60);
    expect(app.cache.stats().redis.errors).toBe(0);
  });

  it('an entry expires after its TTL', async () => {
    const app = await redis.app();
    await app.cache.set('short', 'v', { ttl: '200ms' });
    expect(await app.cache.get('short')).toBe('v');
    // Redis's own expiry (PX) runs on real time: slept for, not a ManualClock.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await app.cache.get('short')).toBeUndefined();
    expect(await app.cache.has('short')).toBe(false);
    expect(await app.cache.ttl('short')).toBeUndefined();
  });

  it('clear() removes every key of its namespace, on every master, and no other namespace', async () => {
    const app = await redis.app();
    const other = await redis.app();
    const keys = Array.from({ length: 30 }, (_, i) => `c:${i}`);
    await Promise.all(keys.map((key) => app.cache.set(key, key, { tags: ['t'] })));
    await other.cache.set('kept', 'yes');
    expect((await redis.keys(app.namespace)).length).toBeGreaterThanOrEqual(30);

    await app.cache.clear();
    expect(await redis.keys(app.namespace)).toEqual([]);
    expect(await app.cache.mget(keys)).toEqual(keys.map(() => undefined));
    expect(await other.cache.get('kept')).toBe('yes');
  });
});
