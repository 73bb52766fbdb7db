// The in-process L1 of one instance: its bounds under a flood of keys, values that callers cannot
// mutate for each other, and a reconnect to Redis emptying it (messages may have been missed while
// the connection was down). L1 hits counted among the hits and apart in stats().l1 are asserted on
// every topology in test/topologies/stats.spec.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/testing/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import { RedisServer } from '../support/redis-server.js';

describe('L1 in one instance', () => {
  let app: CacheApp;
  const clock = new ManualClock();
  beforeAll(async () => {
    app = await createCacheApp({
      cache: { l1: { maxEntries: 500, maxBytes: 200_000, ttl: '1m' } },
      clock,
    });
  });
  afterAll(() => app.close());

  it('stays within its entry and byte limits under a flood of distinct keys', async () => {
    const value = 'x'.repeat(1_000);
    let maxBytes = 0;
    let maxEntries = 0;
    for (let batch = 0; batch < 30; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          app.cache.getOrSet(`flood:${batch}:${i}`, () => value),
        ),
      );
      const l1 = app.cache.stats().l1!;
      maxBytes = Math.max(maxBytes, l1.bytes);
      maxEntries = Math.max(maxEntries, l1.entries);
    }
    expect(maxBytes).toBeLessThanOrEqual(200_000);
    expect(maxEntries).toBeLessThanOrEqual(500);
    // It was really used up to its byte limit (~1.1 KB an entry: about 180 entries)...
    expect(maxBytes).toBeGreaterThan(150_000);
    // ...and the most recent keys are the ones kept.
    app.cache.resetStats();
    expect(await app.cache.get('flood:29:99')).toBe(value);
    expect(await app.cache.get('flood:0:0')).toBe(value);
    expect(app.cache.stats().l1).toMatchObject({ hits: 1, misses: 1 });
  });

  it('counts the parsed form of entries that were hit, and still stays within maxBytes', async () => {
    const value = { items: Array.from({ length: 40 }, (_, i) => ({ sku: `sku-${i}`, qty: i })) };
    await app.cache.clear(); // an empty L1: nothing is pushed out when the entry grows
    await app.cache.getOrSet('parsed:0', () => value); // miss: stored in Redis and L1
    const before = app.cache.stats().l1!.bytes;
    await app.cache.getOrSet('parsed:0', () => value); // first L1 hit: parsed and kept
    const grown = app.cache.stats().l1!.bytes - before;
    expect(grown).toBeGreaterThan(JSON.stringify(value).length);

    let maxBytes = 0;
    for (let batch = 0; batch < 10; batch++) {
      const keys = Array.from({ length: 50 }, (_, i) => `parsed:${batch}:${i}`);
      await Promise.all(keys.map((key) => app.cache.getOrSet(key, () => value)));
      for (const key of keys) expect(await app.cache.getOrSet(key, () => value)).toEqual(value);
      maxBytes = Math.max(maxBytes, app.cache.stats().l1!.bytes);
    }
    expect(maxBytes).toBeLessThanOrEqual(200_000);
  });

  it('an entry too big to keep parsed stays in L1 (decoded per hit) instead of dropping out', async () => {
    // ~40 KB of JSON in a 100 KB L1: counted three times over once parsed, it would not fit.
    const small = await createCacheApp({ cache: { l1: { maxBytes: 100_000, ttl: '1m' } } });
    try {
      const big = { rows: Array.from({ length: 1_600 }, (_, i) => ({ id: i, name: `row ${i}` })) };
      expect(JSON.stringify(big).length).toBeGreaterThan(35_000);
      await small.cache.getOrSet('big', () => big); // miss: stored in Redis and L1
      for (let i = 0; i < 3; i++) expect(await small.cache.getOrSet('big', () => big)).toEqual(big);
      expect(small.cache.stats().l1).toMatchObject({ hits: 3, entries: 1 });
    } finally {
      await small.close();
    }
  });

  it('hands every caller its own copy: mutating one value does not change the next', async () => {
    await app.cache.set('shared', { list: [1, 2], at: new Date(0) });
    await app.cache.get('shared');
    const first = (await app.cache.get<{ list: number[]; at: Date }>('shared'))!;
    first.list.push(99);
    first.at.setFullYear(2000);
    const second = await app.cache.get('shared');
    expect(second).toEqual({ list: [1, 2], at: new Date(0) });
    expect(app.cache.stats().l1!.hits).toBeGreaterThanOrEqual(2);
  });

  it('getOrSet hits from L1 hand out copies too, counted as L1 hits', async () => {
    const load = () => ({ tags: new Set(['a']), price: 10 });
    await app.cache.getOrSet('product', load); // miss: stored in Redis and L1
    const before = app.cache.stats().l1!.hits;
    const first = await app.cache.getOrSet('product', load);
    first.tags.add('mutated');
    first.price = 0;
    const second = await app.cache.getOrSet('product', load);
    expect(second).toEqual({ tags: new Set(['a']), price: 10 });
    expect(app.cache.stats().l1!.hits).toBe(before + 2);
  });

  it('plain JSON values (kept parsed, copied per hit) stay safe over many mutating hits', async () => {
    const order = { id: 7, lines: [{ sku: 'a', qty: 1 }], note: null, ok: true };
    await app.cache.getOrSet('order', () => order); // miss: stored in Redis and L1
    const before = app.cache.stats().l1!.hits;
    for (let i = 0; i < 3; i++) {
      const hit = await app.cache.getOrSet('order', () => order);
      expect(hit).toEqual(order);
      expect(hit).not.toBe(order);
      hit.lines[0].qty = 99;
      hit.lines.push({ sku: 'x', qty: 0 });
      (hit as Record<string, unknown>).id = 'mutated';
    }
    expect(app.cache.stats().l1!.hits).toBe(before + 3);
    expect(await app.cache.get('order')).toEqual(order);
  });

  it('an L1 copy of data with a "__proto__" key keeps it as plain data', async () => {
    const data = JSON.parse('{"__proto__": {"admin": true}, "name": "n"}') as object;
    await app.cache.set('proto', data);
    await app.cache.get('proto'); // from Redis, now in L1
    await app.cache.get('proto'); // first L1 hit: parsed once
    const copy = (await app.cache.get<Record<string, unknown>>('proto'))!;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect((copy as { admin?: boolean }).admin).toBeUndefined();
    expect(({} as { admin?: boolean }).admin).toBeUndefined();
    expect(copy).toEqual(data);
  });

  it('l1: false on a call keeps that entry out of L1', async () => {
    const before = app.cache.stats().l1!.hits;
    await app.cache.getOrSet('no-l1', () => 'v', { l1: false });
    await app.cache.getOrSet('no-l1', () => 'v', { l1: false });
    expect(app.cache.stats().l1!.hits).toBe(before);
  });

  it('an entry never outlives its own TTL in L1', async () => {
    await app.cache.getOrSet('short', () => 'v', { ttl: '100ms' });
    expect(await app.cache.getOrSet('short', () => 'again', { ttl: '100ms' })).toBe('v');
    clock.advance(150);
    expect(await app.cache.get('short')).toBeUndefined();
  });
});

describe('L1 with frozen values (l1.frozen)', () => {
  let app: CacheApp;
  beforeAll(async () => {
    app = await createCacheApp({ cache: { l1: { ttl: '1m', frozen: true } } });
  });
  afterAll(() => app.close());

  it('hands out one deep-frozen value for plain JSON: writing to it throws, nothing changes', async () => {
    const order = { id: 7, lines: [{ sku: 'a', qty: 1 }] };
    await app.cache.getOrSet('frozen-order', () => order); // miss: stored in Redis and L1
    const first = await app.cache.getOrSet('frozen-order', () => order);
    const second = await app.cache.getOrSet('frozen-order', () => order);
    expect(first).toEqual(order);
    expect(second).toBe(first);
    expect(Object.isFrozen(first.lines[0])).toBe(true);
    expect(() => {
      first.lines[0].qty = 99;
    }).toThrow(TypeError);
    expect(() => first.lines.push({ sku: 'x', qty: 0 })).toThrow(TypeError);
    expect(await app.cache.getOrSet('frozen-order', () => order)).toEqual(order);
    expect(app.cache.stats().l1!.hits).toBeGreaterThanOrEqual(3);
  });

  it('values with a Date (which freezing cannot protect) are still copies of their own', async () => {
    await app.cache.set('dated', { at: new Date(0) });
    await app.cache.get('dated'); // from Redis, now in L1
    const first = (await app.cache.get<{ at: Date }>('dated'))!;
    expect(Object.isFrozen(first)).toBe(false);
    first.at.setFullYear(2000);
    expect(await app.cache.get('dated')).toEqual({ at: new Date(0) });
  });
});

describe('L1 and Redis reconnects', () => {
  let server: RedisServer;
  let app: CacheApp;
  beforeAll(async () => {
    server = await RedisServer.start();
    app = await createCacheApp({ cache: { url: server.url, l1: { ttl: '1m' } } });
  });
  afterAll(async () => {
    await app.close();
    await server.dispose();
  });

  it('is emptied after a reconnect, and bypassed while the connection is down', async () => {
    await app.cache.set('k', 'before-restart');
    await app.cache.get('k');
    expect(await app.cache.get('k')).toBe('before-restart');
    expect(app.cache.stats().l1!.entries).toBe(1);

    await server.stop();
    // Down: not trusted (messages would be missed) — and the read is a miss, not L1's copy.
    await eventually(
      () => app.cache.stats().l1!.active,
      (active) => !active,
      { what: 'L1 off' },
    );
    expect(await app.cache.get('k')).toBeUndefined();

    // The restarted Redis is empty (no persistence): an L1 that kept its copy would still say
    // 'before-restart'.
    await server.start();
    await eventually(
      async () => {
        await app.cache.has('probe'); // a command, so the cache notices Redis is back
        const stats = app.cache.stats();
        return { l1: stats.l1!.active, redis: stats.redis.available };
      },
      (state) => state.l1 && state.redis,
      { what: 'reconnect', timeoutMs: 10_000 },
    );
    expect(app.cache.stats().l1!.entries).toBe(0);
    await eventually(
      () => app.cache.get('k'),
      (v) => v === undefined,
      { what: 'miss' },
    );
    await app.cache.set('k', 'after-restart');
    expect(await app.cache.get('k')).toBe('after-restart');
  });
});
