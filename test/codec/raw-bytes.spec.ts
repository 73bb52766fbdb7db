// RawBytes values (what @CacheResponse stores): kept as the bytes themselves whatever the
// serializer, read back without parsing, compressed like any payload, and never taken for JSON by
// the L1.
import { afterAll, describe, expect, it } from 'vitest';
import { RawBytes } from '../../lib/codec/entry-codec.js';
import type { RedisCacheModuleOptions } from '../../lib/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { entryKey, rawRedis } from '../support/raw-redis.js';

const apps: CacheApp[] = [];
const raw = rawRedis();
afterAll(async () => {
  await raw.quit();
  for (const app of apps) {
    await app.cache.clear();
    await app.close();
  }
});

async function app(cache: RedisCacheModuleOptions): Promise<CacheApp> {
  const created = await createCacheApp({ cache });
  apps.push(created);
  return created;
}

describe.each([
  ['the default serializer', {}],
  ['the json serializer', { serializer: 'json' }],
  ['the v8 serializer', { serializer: 'v8' }],
  ['compression', { compression: { threshold: 16 } }],
  ['the L1', { l1: true }],
] as [string, RedisCacheModuleOptions][])('RawBytes with %s', (_name, options) => {
  it('come back byte for byte, and are stored as they are', async () => {
    const { cache, namespace } = await app(options);
    const bytes = Buffer.from('{"looks":"like json"} and then \u00ff\u0000 binary', 'latin1');
    let runs = 0;
    const factory = () => {
      runs++;
      return new RawBytes(bytes);
    };
    const first = await cache.getOrSet('raw', factory);
    const second = await cache.getOrSet('raw', factory);
    const third = await cache.getOrSet('raw', factory);
    expect(runs).toBe(1);
    for (const value of [first, second, third]) {
      expect(value).toBeInstanceOf(RawBytes);
      expect(Buffer.compare(value.bytes, bytes)).toBe(0);
    }
    if (!options.compression) {
      const stored = await raw.getBuffer(entryKey(namespace, 'raw'));
      expect(stored?.subarray(stored.length - bytes.length).equals(bytes)).toBe(true);
    }
  });
});

describe.each([
  ['the L1', { l1: true }],
  ['the frozen L1', { l1: { frozen: true } }],
] as [string, RedisCacheModuleOptions][])('RawBytes hits from %s', (_name, options) => {
  it('hand out one RawBytes, read once, to every hit', async () => {
    const { cache } = await app(options);
    const bytes = Buffer.from('200\t0\t"etag"\ttext/plain\nbody', 'latin1');
    await cache.getOrSet('kept', () => new RawBytes(bytes));
    const hits = [await cache.getOrSet('kept', () => 0), await cache.getOrSet('kept', () => 0)];
    expect(hits[0]).toBeInstanceOf(RawBytes);
    expect(hits[1]).toBe(hits[0]);
    expect(Buffer.compare((hits[0] as unknown as RawBytes).bytes, bytes)).toBe(0);
  });
});
