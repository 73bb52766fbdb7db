// Bad keys are refused with InvalidKeyError by every method, before anything reaches Redis; bad
// options (unknown names, tags that are not an array) with CacheConfigError naming the option.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CacheConfigError,
  InvalidKeyError,
  RedisCacheError,
  type RedisCacheService,
} from '../../lib/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { namespaceKeys, rawRedis } from '../support/raw-redis.js';

let app: CacheApp;
let cache: RedisCacheService;
let raw: Redis;

beforeAll(async () => {
  app = await createCacheApp();
  cache = app.cache;
  raw = rawRedis();
});
afterAll(async () => {
  await cache.clear();
  await app.close();
  await raw.quit();
});

const badKeys: [string, unknown][] = [
  ['an empty key', ''],
  ['a key over 1024 characters', 'k'.repeat(1_025)],
  ['a number', 42],
  ['null', null],
  ['undefined', undefined],
  ['an object', { id: 1 }],
  ['an array', ['a']],
];

const methods: [string, (key: never) => Promise<unknown>][] = [
  ['get', (key) => cache.get(key)],
  ['set', (key) => cache.set(key, 'v')],
  ['set with tags', (key) => cache.set(key, 'v', { tags: ['t'] })],
  ['del', (key) => cache.del('fine', key)],
  ['has', (key) => cache.has(key)],
  ['mget', (key) => cache.mget(['fine', key])],
  [
    'mset',
    (key) =>
      cache.mset([
        { key: 'fine', value: 1 },
        { key, value: 1 },
      ]),
  ],
  ['getOrSet', (key) => cache.getOrSet(key, () => 'v')],
  ['ttl', (key) => cache.ttl(key)],
];

describe.each(badKeys)('%s', (_label, key) => {
  it.each(methods)('%s throws InvalidKeyError and writes nothing', async (_method, call) => {
    await cache.set('fine', 'untouched');
    const error = await call(key as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidKeyError);
    expect(error).toBeInstanceOf(RedisCacheError);
    expect((error as InvalidKeyError).code).toBe('E_CACHE_KEY');
    expect((error as Error).message).toMatch(/invalid cache key/);
    expect(await namespaceKeys(raw, app.namespace)).toEqual([`${app.namespace}:fine`]);
    expect(await cache.get('fine')).toBe('untouched');
  });
});

describe('key length', () => {
  it('a key of exactly 1024 characters is accepted', async () => {
    const key = 'k'.repeat(1_024);
    await cache.set(key, 'v');
    expect(await cache.get(key)).toBe('v');
    await cache.del(key);
  });

  it('the message says the length and the limit', async () => {
    await expect(cache.get('k'.repeat(2_000))).rejects.toThrow(/2000.*1024.*limits.keyLength/);
  });

  it('limits.keyLength changes the limit', async () => {
    const short = await createCacheApp({ cache: { limits: { keyLength: 8 } } });
    try {
      await short.cache.set('12345678', 'ok');
      expect(await short.cache.get('12345678')).toBe('ok');
      await expect(short.cache.set('123456789', 'no')).rejects.toBeInstanceOf(InvalidKeyError);
      expect(await namespaceKeys(raw, short.namespace)).toEqual([`${short.namespace}:12345678`]);
    } finally {
      await short.cache.clear();
      await short.close();
    }
  });

  it('keys with any characters (colons, spaces, unicode, glob characters) are fine', async () => {
    const keys = ['a:b:c', 'with space', 'ключ ✓', '*', '[x]', '?', 'a#b', '\\'];
    for (const key of keys) await cache.set(key, key);
    expect(await cache.mget(keys)).toEqual(keys);
    await cache.del(...keys);
  });
});

describe('options', () => {
  const calls: [string, () => Promise<unknown>, string][] = [
    ['set', () => cache.set('opt', 'v', { tll: 60 } as never), 'set().tll'],
    ['mset', () => cache.mset([{ key: 'opt', value: 'v', ttls: 1 } as never]), 'mset()[0].ttls'],
    ['getOrSet', () => cache.getOrSet('opt', () => 'v', { tll: 60 } as never), 'getOrSet().tll'],
    [
      'set with tags not an array',
      () => cache.set('opt', 'v', { tags: 't' as never }),
      'set().tags',
    ],
    ['mset with no array', () => cache.mset({ key: 'opt', value: 'v' } as never), 'mset().entries'],
    ['getOrSet with no factory', () => cache.getOrSet('opt', 'v' as never), 'getOrSet().factory'],
    [
      'writeThrough with no persist function',
      () => cache.writeThrough('opt', 'v', undefined as never),
      'writeThrough().persist',
    ],
  ];

  it.each(calls)(
    '%s: a bad option is a CacheConfigError naming it, nothing written',
    async (_name, call, option) => {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CacheConfigError);
      expect(error).toMatchObject({ code: 'E_CACHE_CONFIG', option });
      expect((error as Error).message).toContain(option);
      expect(await raw.exists(`${app.namespace}:opt`)).toBe(0);
    },
  );
});
