// RedisCacheService on one server, what is single-node only: the stored key, overwrites, null and
// falsy values versus absent, the default TTL and TTL units, edge inputs (no keys, repeated keys,
// bad TTLs, undefined), mset's all-or-nothing writes, del and ttl of tagged entries, and getOrSet's
// recompute after expiry or del, its TTL and tags, and factories that throw synchronously or
// return null or undefined. What every topology must do (set/get/has/ttl/del, mset/mget, expiry,
// clear, getOrSet's single flight and failing factories, hit and miss counts) is asserted in
// test/topologies/ (service, get-or-set, stats and tags specs).
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CacheSerializationError,
  InvalidKeyError,
  InvalidTtlError,
  type RedisCacheService,
} from '../../lib/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import { entryKey, namespaceKeys, rawRedis } from '../support/raw-redis.js';

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

describe('get / set', () => {
  it('stores a value under the namespaced key and reads it back', async () => {
    await cache.set('product:1', { id: 1, name: 'Lamp' });
    expect(await cache.get('product:1')).toEqual({ id: 1, name: 'Lamp' });
    expect(await raw.exists(entryKey(app.namespace, 'product:1'))).toBe(1);
  });

  it('overwrites an existing value', async () => {
    await cache.set('k', 'first');
    await cache.set('k', 'second');
    expect(await cache.get('k')).toBe('second');
  });

  it('null is a value: cached, read back as null, and counts as present', async () => {
    await cache.set('nothing', null);
    expect(await cache.get('nothing')).toBeNull();
    expect(await cache.has('nothing')).toBe(true);
    expect(await cache.mget(['nothing', 'absent'])).toEqual([null, undefined]);
  });

  it('falsy values are values', async () => {
    await cache.mset<unknown>([
      { key: 'zero', value: 0 },
      { key: 'empty', value: '' },
      { key: 'false', value: false },
    ]);
    expect(await cache.mget(['zero', 'empty', 'false'])).toEqual([0, '', false]);
  });

  it('uses the default ttl of the module (1h) when none is given', async () => {
    await cache.set('k', 1);
    const left = await cache.ttl('k');
    expect(left).toBeGreaterThan(3_590);
    expect(left).toBeLessThanOrEqual(3_600);
  });

  it.each<[string, number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`, number]>([
    ['seconds as a number', 30, 30],
    ['a duration string in seconds', '45s', 45],
    ['minutes', '5m', 300],
    ['hours', '2h', 7_200],
    ['days', '1d', 86_400],
  ])('takes a ttl in %s', async (_label, ttl, seconds) => {
    await cache.set('k', 'v', { ttl });
    const left = await cache.ttl('k');
    expect(left).toBeGreaterThan(seconds - 2);
    expect(left).toBeLessThanOrEqual(seconds);
  });

  it('ttl 0 means no expiry', async () => {
    await cache.set('forever', 'v', { ttl: 0 });
    expect(await raw.pttl(entryKey(app.namespace, 'forever'))).toBe(-1);
    expect(await cache.ttl('forever')).toBe(Number.POSITIVE_INFINITY);
  });

  it('set rejects an invalid ttl, naming it, and writes nothing', async () => {
    for (const ttl of [-1, Number.NaN, '5 weeks', '10x']) {
      const error = await cache.set('k', 'v', { ttl: ttl as never }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidTtlError);
      expect((error as Error).message).toContain('ttl');
    }
    expect(await namespaceKeys(raw, app.namespace)).toEqual([]);
  });

  it('set(key, undefined) is refused: undefined means absent', async () => {
    await expect(cache.set('u', undefined)).rejects.toBeInstanceOf(CacheSerializationError);
    expect(await cache.has('u')).toBe(false);
  });
});

describe('del', () => {
  it('del of absent keys is 0, del() with no keys is 0', async () => {
    expect(await cache.del('missing')).toBe(0);
    expect(await cache.del()).toBe(0);
  });

  it('deletes a tagged entry', async () => {
    await cache.set('tagged', 1, { tags: ['t'] });
    expect(await cache.del('tagged')).toBe(1);
    expect(await cache.get('tagged')).toBeUndefined();
  });
});

describe('mget / mset', () => {
  it('mget returns values in the order of the keys, undefined for misses', async () => {
    await cache.mset<unknown>([
      { key: 'x', value: 'X' },
      { key: 'y', value: { y: true } },
    ]);
    expect(await cache.mget(['y', 'missing', 'x', 'y'])).toEqual([
      { y: true },
      undefined,
      'X',
      { y: true },
    ]);
  });

  it('mget of no keys is []', async () => {
    expect(await cache.mget([])).toEqual([]);
  });

  it('mset of no entries does nothing', async () => {
    await cache.mset([]);
    expect(await namespaceKeys(raw, app.namespace)).toEqual([]);
  });

  const circular = () => {
    const a: Record<string, unknown> = {};
    a.a = a;
    return a;
  };

  it.each<[string, () => unknown[], new (...args: never[]) => Error]>([
    ['an empty key', () => [{ key: '', value: 1 }], InvalidKeyError],
    ['a non-string key', () => [{ key: 42, value: 1 }], InvalidKeyError],
    ['an overlong key', () => [{ key: 'k'.repeat(1_025), value: 1 }], InvalidKeyError],
    ['a bad ttl', () => [{ key: 'bad-ttl', value: 1, ttl: -1 }], InvalidTtlError],
    ['a bad ttl unit', () => [{ key: 'bad-ttl', value: 1, ttl: '1y' }], InvalidTtlError],
    ['an empty tag', () => [{ key: 'bad-tag', value: 1, tags: [''] }], InvalidKeyError],
    ['an unserializable value', () => [{ key: 'fn', value: () => 1 }], CacheSerializationError],
    ['a circular value', () => [{ key: 'loop', value: circular() }], CacheSerializationError],
    ['an undefined value', () => [{ key: 'undef', value: undefined }], CacheSerializationError],
  ])('mset with %s among good entries writes nothing', async (_label, bad, errorType) => {
    await cache.set('existing', 'before');
    const entries = [
      { key: 'good-1', value: 1, tags: ['good'] },
      ...bad(),
      { key: 'good-2', value: 2, tags: ['good'] },
      { key: 'existing', value: 'after' },
    ];
    await expect(cache.mset(entries as never)).rejects.toBeInstanceOf(errorType);
    expect(await namespaceKeys(raw, app.namespace)).toEqual([entryKey(app.namespace, 'existing')]);
    expect(await cache.get('existing')).toBe('before');
  });

  it('the mset error names the entry at fault', async () => {
    await expect(
      cache.mset([
        { key: 'a', value: 1 },
        { key: 'b', value: 1, ttl: -1 as never },
      ]),
    ).rejects.toThrow(/mset\(\)\[1\]\.ttl/);
    await expect(
      cache.mset<unknown>([
        { key: 'a', value: 1 },
        { key: 'bad-value', value: Symbol('x') },
      ]),
    ).rejects.toThrow(/bad-value/);
  });
});

describe('getOrSet', () => {
  it('calls the factory once per miss', async () => {
    let calls = 0;
    const factory = () => ++calls;
    await cache.getOrSet('k', factory, { ttl: '100ms' });
    await cache.getOrSet('k', factory, { ttl: '100ms' });
    expect(calls).toBe(1);
    // Expired by Redis (PX), so the next call is a miss.
    await eventually(
      () => raw.exists(entryKey(app.namespace, 'k')),
      (exists) => exists === 0,
      { timeoutMs: 1_000, what: 'the entry expired in Redis' },
    );
    expect(await cache.getOrSet('k', factory)).toBe(2);
    await cache.del('k');
    expect(await cache.getOrSet('k', factory)).toBe(3);
    expect(calls).toBe(3);
  });

  it('a factory that throws synchronously rejects the call', async () => {
    await expect(
      cache.getOrSet('sync-throw', () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await cache.has('sync-throw')).toBe(false);
  });

  it('null from the factory is cached; undefined is returned but not cached', async () => {
    let nullCalls = 0;
    expect(await cache.getOrSet('null', () => (nullCalls++, null))).toBeNull();
    expect(await cache.getOrSet('null', () => (nullCalls++, null))).toBeNull();
    expect(nullCalls).toBe(1);

    let undefinedCalls = 0;
    expect(await cache.getOrSet('undef', () => (undefinedCalls++, undefined))).toBeUndefined();
    expect(await cache.getOrSet('undef', () => (undefinedCalls++, undefined))).toBeUndefined();
    expect(undefinedCalls).toBe(2);
    expect(await cache.has('undef')).toBe(false);
  });

  it('stores with the ttl and tags given', async () => {
    await cache.getOrSet('k', () => 'v', { ttl: '10m', tags: ['g'] });
    expect(await cache.ttl('k')).toBeGreaterThan(598);
    await cache.invalidateTags('g');
    expect(await cache.get('k')).toBeUndefined();
  });

  it('rejects a bad ttl before calling the factory', async () => {
    let called = false;
    await expect(
      cache.getOrSet('k', () => (called = true), { ttl: 'soon' as never }),
    ).rejects.toBeInstanceOf(InvalidTtlError);
    expect(called).toBe(false);
  });

  it('has getOrSet and no wrap (wrap is the cache-manager drop-in’s)', () => {
    expect(typeof cache.getOrSet).toBe('function');
    expect('wrap' in cache).toBe(false);
  });
});

describe('ttl', () => {
  it('a sub-second ttl reads as a fraction of a second', async () => {
    await cache.set('k', 'v', { ttl: '800ms' });
    const left = (await cache.ttl('k'))!;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(0.8);
  });

  it('is undefined for an entry invalidated by tag', async () => {
    await cache.set('k', 'v', { ttl: 90, tags: ['t'] });
    expect(await cache.ttl('k')).toBeGreaterThan(88);
    await cache.invalidateTags('t');
    expect(await cache.ttl('k')).toBeUndefined();
  });
});
