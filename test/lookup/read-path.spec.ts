// The one read path: get, mget, has, ttl and getOrSet read the same way and count the same way,
// mget uses L1 like get, and what happened is announced as typed events anyone can subscribe to.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CacheEvents, type CacheEvent } from '../../lib/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';

/** Every event the app announces from now on, in order. */
function recordEvents(app: CacheApp): CacheEvent[] {
  const seen: CacheEvent[] = [];
  const events = app.get(CacheEvents);
  const names: CacheEvent['name'][] = [
    'cache:hit',
    'cache:miss',
    'cache:written',
    'cache:deleted',
    'cache:tags-invalidated',
    'cache:cleared',
  ];
  for (const name of names)
    events.on(name, (data: CacheEvent['data']) => seen.push({ name, data } as CacheEvent));
  return seen;
}

describe('without L1', () => {
  let app: CacheApp;
  let seen: CacheEvent[];
  beforeAll(async () => {
    app = await createCacheApp();
    seen = recordEvents(app);
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.cache.clear();
    app.cache.resetStats();
    seen.length = 0;
  });

  it('counts a get, an mget key and a getOrSet hit the same way', async () => {
    await app.cache.set('a', { n: 1 });
    expect(await app.cache.get('a')).toEqual({ n: 1 });
    expect(await app.cache.mget(['a', 'absent'])).toEqual([{ n: 1 }, undefined]);
    expect(await app.cache.getOrSet('a', () => ({ n: 2 }))).toEqual({ n: 1 });
    expect(await app.cache.get('absent')).toBeUndefined();
    expect(app.cache.stats()).toMatchObject({ hits: 3, misses: 2 });
    expect(seen.filter((e) => e.name === 'cache:hit').map((e) => e.data)).toEqual([
      { key: 'a', layer: 'redis', method: undefined, stale: false },
      { key: 'a', layer: 'redis', method: undefined, stale: false },
      { key: 'a', layer: 'redis', method: undefined, stale: false },
    ]);
    expect(seen.filter((e) => e.name === 'cache:miss').map((e) => e.data.key)).toEqual([
      'absent',
      'absent',
    ]);
  });

  it('has and ttl read the entry without counting a hit or a miss', async () => {
    await app.cache.set('b', 'x', { ttl: 60 });
    expect(await app.cache.has('b')).toBe(true);
    expect(await app.cache.has('nope')).toBe(false);
    const ttl = await app.cache.ttl('b');
    expect(ttl).toBeGreaterThan(59);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await app.cache.ttl('nope')).toBeUndefined();
    expect(app.cache.stats()).toMatchObject({ hits: 0, misses: 0 });
  });

  it('announces writes, deletions, tag invalidations and clears', async () => {
    await app.cache.mset([
      { key: 'c', value: 1 },
      { key: 'd', value: 2, tags: ['t'] },
    ]);
    await app.cache.getOrSet('e', () => 3);
    await app.cache.del('c');
    await app.cache.invalidateTags('t');
    await app.cache.clear();
    expect(seen.filter((e) => e.name !== 'cache:miss').map((e) => [e.name, e.data])).toEqual([
      ['cache:written', { key: 'c' }],
      ['cache:written', { key: 'd' }],
      ['cache:written', { key: 'e' }],
      ['cache:deleted', { keys: ['c'] }],
      ['cache:tags-invalidated', { tags: ['t'] }],
      ['cache:cleared', {}],
    ]);
  });

  it('a listener that throws never fails the lookup', async () => {
    const off = app.get(CacheEvents).on('cache:miss', () => {
      throw new Error('listener bug');
    });
    try {
      expect(await app.cache.getOrSet('f', () => 'computed')).toBe('computed');
      expect(await app.cache.get('f')).toBe('computed');
    } finally {
      off();
    }
  });
});

describe('with L1', () => {
  let app: CacheApp;
  let seen: CacheEvent[];
  beforeAll(async () => {
    app = await createCacheApp({ cache: { l1: { ttl: '1m' } } });
    seen = recordEvents(app);
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.cache.clear();
    app.cache.resetStats();
    seen.length = 0;
  });

  it('mget serves from L1 like get, probing it once per key', async () => {
    await app.cache.mset([
      { key: 'x', value: { v: 'x' } },
      { key: 'y', value: { v: 'y' } },
    ]);
    // First read: L1 misses, Redis hits (kept in L1); second read: L1 hits.
    expect(await app.cache.mget(['x', 'y', 'z'])).toEqual([{ v: 'x' }, { v: 'y' }, undefined]);
    expect(await app.cache.mget(['x', 'y'])).toEqual([{ v: 'x' }, { v: 'y' }]);
    expect(await app.cache.get('x')).toEqual({ v: 'x' });
    expect(app.cache.stats().l1).toMatchObject({ hits: 3, misses: 3 });
    expect(app.cache.stats()).toMatchObject({ hits: 5, misses: 1 });
    expect(seen.filter((e) => e.name === 'cache:hit').map((e) => e.data.layer)).toEqual([
      'redis',
      'redis',
      'l1',
      'l1',
      'l1',
    ]);
  });

  it('each L1 hit is a copy of its own, for get and getOrSet alike', async () => {
    await app.cache.set('obj', { list: [1] });
    await app.cache.get('obj'); // into L1
    const a = (await app.cache.get<{ list: number[] }>('obj'))!;
    a.list.push(2);
    const b = await app.cache.getOrSet('obj', () => ({ list: [] as number[] }));
    expect(b).toEqual({ list: [1] });
    expect(b).not.toBe(a);
  });

  it('has answers from a fresh L1 entry, without counting', async () => {
    await app.cache.set('h', 1);
    await app.cache.get('h');
    const before = app.cache.stats().l1!;
    expect(await app.cache.has('h')).toBe(true);
    expect(app.cache.stats().l1).toMatchObject({ hits: before.hits, misses: before.misses });
  });
});
