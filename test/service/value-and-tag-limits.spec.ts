// Bounded work per write: an entry with more tags than limits.tagsPerEntry, or a value larger than
// limits.valueBytes serialized, is refused with a named error before anything is sent, and nothing is
// written (no entry, no tag key). Both limits are module options, validated at bootstrap. Large
// binary values are stored as their bytes (no base64, no array of numbers).
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheConfigError, CacheValueTooLargeError } from '../../lib/index.js';
import { CacheTooManyTagsError } from '../../lib/errors/errors.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import { entryKey, namespaceKeys, rawRedis } from '../support/raw-redis.js';
import { RedisServer } from '../support/redis-server.js';

let server: RedisServer;
let raw: Redis;

beforeAll(async () => {
  server = await RedisServer.start();
  raw = rawRedis(server.url);
});
afterAll(async () => {
  await raw.quit();
  await server.dispose();
});

const tagsOf = (count: number) => Array.from({ length: count }, (_, i) => `tag:${i}`);

describe('limits.tagsPerEntry (default 64)', () => {
  let app: CacheApp;
  beforeAll(async () => (app = await createCacheApp({ cache: { url: server.url } })));
  afterAll(() => app.close());

  it('64 tags are fine; 65 are a CacheTooManyTagsError and nothing is written', async () => {
    await app.cache.set('ok', 1, { tags: tagsOf(64) });
    expect(await app.cache.get('ok')).toBe(1);
    await app.cache.clear();

    const error = await app.cache.set('k', 1, { tags: tagsOf(65) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheTooManyTagsError);
    expect(error).toMatchObject({ code: 'E_CACHE_TOO_MANY_TAGS', tagCount: 65, limit: 64 });
    expect((error as Error).message).toContain('limits.tagsPerEntry');
    await expect(app.cache.getOrSet('k', () => 1, { tags: tagsOf(65) })).rejects.toBeInstanceOf(
      CacheTooManyTagsError,
    );
    await expect(app.cache.mset([{ key: 'k', value: 1, tags: tagsOf(65) }])).rejects.toBeInstanceOf(
      CacheTooManyTagsError,
    );
    expect(await namespaceKeys(raw, app.namespace)).toEqual([]);
  });

  it('counts distinct tags: a repeated tag is one', async () => {
    await app.cache.set('dup', 1, { tags: Array.from({ length: 500 }, () => 'same') });
    expect(await app.cache.get('dup')).toBe(1);
    await app.cache.clear();
  });

  it('100,000 tags are refused before anything is sent to Redis', async () => {
    const before = (await raw.info('stats')).match(/total_commands_processed:(\d+)/)![1];
    // This used to write 100,000 tag keys (1.1 s of blocked event loop), then skip the entry.
    await expect(app.cache.set('huge', 1, { tags: tagsOf(100_000) })).rejects.toBeInstanceOf(
      CacheTooManyTagsError,
    );
    const after = (await raw.info('stats')).match(/total_commands_processed:(\d+)/)![1];
    expect(Number(after) - Number(before)).toBe(1); // the INFO that read it
    expect(await namespaceKeys(raw, app.namespace)).toEqual([]);
  });

  it('invalidateTags() is not an entry: it takes any number of tags', async () => {
    await app.cache.set('a', 1, { tags: ['tag:3'] });
    await app.cache.invalidateTags(...tagsOf(200));
    expect(await app.cache.get('a')).toBeUndefined();
  });

  it('is a module option', async () => {
    const small = await createCacheApp({ cache: { url: server.url, limits: { tagsPerEntry: 2 } } });
    try {
      await small.cache.set('two', 1, { tags: ['a', 'b'] });
      await expect(small.cache.set('three', 1, { tags: ['a', 'b', 'c'] })).rejects.toMatchObject({
        limit: 2,
      });
    } finally {
      await small.cache.clear();
      await small.close();
    }
  });
});

describe('limits.valueBytes (default 64 MiB)', () => {
  let app: CacheApp;
  beforeAll(
    async () =>
      (app = await createCacheApp({ cache: { url: server.url, limits: { valueBytes: 1024 } } })),
  );
  afterAll(() => app.close());

  it('a value over the limit is a CacheValueTooLargeError and nothing is written', async () => {
    const error = await app.cache
      .set('big', 'x'.repeat(2000), { tags: ['t'] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheValueTooLargeError);
    expect(error).toMatchObject({ code: 'E_CACHE_VALUE_TOO_LARGE', key: 'big', limit: 1024 });
    expect((error as Error).message).toContain('limits.valueBytes');
    await expect(app.cache.set('bin', Buffer.alloc(1025))).rejects.toBeInstanceOf(
      CacheValueTooLargeError,
    );
    // A computed value over the limit is returned, not cached (not-stored-values.spec.ts).
    expect(
      await app.cache.getOrSet('computed', () => ({ text: 'y'.repeat(5000) }), { tags: ['t'] }),
    ).toEqual({ text: 'y'.repeat(5000) });
    await expect(
      app.cache.mset<unknown>([
        { key: 'small', value: 1 },
        { key: 'large', value: 'z'.repeat(4000) },
      ]),
    ).rejects.toBeInstanceOf(CacheValueTooLargeError);
    // getOrSet returns before its lock is let go (a release in the background): wait for that.
    const keys = await eventually(
      () => namespaceKeys(raw, app.namespace),
      (left) => !left.some((key) => key.includes('#lock:')),
      { what: 'the lock of "computed" released' },
    );
    expect(keys).toEqual([]);
  });

  it('a value at the limit is stored', async () => {
    await app.cache.set('fits', Buffer.alloc(1023, 7));
    expect(await app.cache.get('fits')).toEqual(Buffer.alloc(1023, 7));
  });
});

describe('large binary values', () => {
  let app: CacheApp;
  beforeAll(async () => (app = await createCacheApp({ cache: { url: server.url } })));
  afterAll(() => app.close());

  it('a Buffer value is stored as its own bytes (plus a few header bytes), and read back', async () => {
    const value = Buffer.alloc(4 * 1024 * 1024, 0xab);
    value[12345] = 1;
    await app.cache.set('image', value, { tags: ['images'] });
    const stored = await raw.strlen(entryKey(app.namespace, 'image'));
    // Compressed (it is very regular), and in any case not base64 (4/3) or a JSON number array.
    expect(stored).toBeLessThan(value.length);
    const back = await app.cache.get<Buffer>('image');
    expect(Buffer.isBuffer(back)).toBe(true);
    expect(back!.equals(value)).toBe(true);
  });

  it('uncompressed, a 4 MB random Buffer costs 4 MB and a few bytes', async () => {
    const plain = await createCacheApp({ cache: { url: server.url, compression: false } });
    try {
      const value = randomBytes(4 * 1024 * 1024);
      await plain.cache.set('bytes', value);
      expect(await raw.strlen(entryKey(plain.namespace, 'bytes'))).toBe(value.length + 3);
      const u8 = new Uint8Array(value);
      await plain.cache.set('u8', u8);
      const back = await plain.cache.get('u8');
      expect(back).toBeInstanceOf(Uint8Array);
      expect(Buffer.isBuffer(back)).toBe(false);
      expect(Buffer.compare(back as Uint8Array, u8)).toBe(0);
    } finally {
      await plain.cache.clear();
      await plain.close();
    }
  });
});

describe('bootstrap validation', () => {
  it.each([
    [{ limits: { tagsPerEntry: 0 } }, 'limits.tagsPerEntry'],
    [{ limits: { tagsPerEntry: 1.5 } }, 'limits.tagsPerEntry'],
    [{ limits: { tagsPerEntry: '64' } }, 'limits.tagsPerEntry'],
    [{ limits: { valueBytes: 0 } }, 'limits.valueBytes'],
    [{ limits: { valueBytes: -1 } }, 'limits.valueBytes'],
    [{ limits: { valueBytes: 600 * 1024 * 1024 } }, 'limits.valueBytes'],
    [{ limits: { valueBytes: '1mb' } }, 'limits.valueBytes'],
  ])('%j is a CacheConfigError naming %s', async (options, option) => {
    const error = await createCacheApp({
      cache: { url: server.url, ...(options as object) },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error).toMatchObject({ option });
  });
});
