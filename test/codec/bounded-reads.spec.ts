// Reading an entry never takes more than the reader's limits.valueBytes, on real Redis: a compressed
// entry that would inflate to 1 GiB (a "zip bomb" written straight into the namespace) and an
// uncompressed entry over the limit are misses, logged once per key and counted; getOrSet and
// @Cacheable recompute and replace them. The process's memory does not jump by the bomb's size.
import { once } from 'node:events';
import { createBrotliCompress, createDeflate, constants as zlibConstants } from 'node:zlib';
import type { Transform } from 'node:stream';
import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cacheable, CacheEvents, type CacheEventData } from '../../lib/index.js';
import { createCacheApp, uniqueNamespace, type CacheApp } from '../support/cache-app.js';
import { LogCapture } from '../support/log-capture.js';
import { entryKey, rawRedis } from '../support/raw-redis.js';

const GIB = 1024 * 1024 * 1024;
/** What a bomb may cost the reading process at most (it inflates to 1 GiB without a bound). */
const MEMORY_BUDGET = 256 * 1024 * 1024;

/** 1 GiB of zeros compressed, as an entry: header '1', flags (1 deflate, 2 brotli), payload. */
async function bombEntry(algorithm: 'deflate' | 'brotli'): Promise<Buffer> {
  const compressor: Transform =
    algorithm === 'deflate'
      ? createDeflate({ level: 9 })
      : createBrotliCompress({ params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1 } });
  const chunks: Buffer[] = [];
  compressor.on('data', (chunk: Buffer) => chunks.push(chunk));
  const zeros = Buffer.alloc(4 * 1024 * 1024);
  for (let written = 0; written < GIB; written += zeros.length)
    if (!compressor.write(zeros)) await once(compressor, 'drain');
  compressor.end();
  await once(compressor, 'end');
  return Buffer.concat([Buffer.from(algorithm === 'deflate' ? '11' : '12', 'latin1'), ...chunks]);
}

/** The operation's result and how far the process's RSS rose above where it started. */
async function withPeakRss<T>(operation: () => Promise<T>): Promise<{ result: T; rose: number }> {
  const start = process.memoryUsage.rss();
  let peak = start;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 2);
  try {
    const result = await operation();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, rose: peak - start };
  } finally {
    clearInterval(sampler);
  }
}

@Injectable()
class ProductsService {
  calls = 0;

  @Cacheable({ key: 'product:{0}' })
  async find(id: string) {
    this.calls++;
    return { id, name: 'Lamp' };
  }
}

let raw: Redis;
let app: CacheApp;
let rejected: CacheEventData<'cache:entry-rejected'>[];
const logs = new LogCapture();

beforeAll(async () => {
  raw = rawRedis();
  app = await createCacheApp({ providers: [ProductsService] });
  logs.attach();
  rejected = [];
  app.get(CacheEvents).on('cache:entry-rejected', (event) => rejected.push(event));
});
afterEach(() => {
  app.cache.resetStats();
  rejected.length = 0;
  logs.clear();
});
afterAll(async () => {
  logs.restore();
  await raw.quit();
  await app.cache.clear();
  await app.close();
});

describe.each(['deflate', 'brotli'] as const)('a %s entry that inflates to 1 GiB', (algorithm) => {
  let bomb: Buffer;
  beforeAll(async () => {
    bomb = await bombEntry(algorithm);
  });

  it('is a miss for get(), read without inflating past limits.valueBytes, logged once, counted', async () => {
    const key = `bomb-get-${algorithm}`;
    await raw.set(entryKey(app.namespace, key), bomb);
    const { result, rose } = await withPeakRss(() => app.cache.get(key));
    expect(result).toBeUndefined();
    expect(rose).toBeLessThan(MEMORY_BUDGET);
    expect(await app.cache.get(key)).toBeUndefined();
    expect(await app.cache.mget([key])).toEqual([undefined]);

    expect(app.cache.stats().values?.oversizedEntries).toBe(3);
    expect(rejected).toEqual([
      expect.objectContaining({ key, reason: 'too-large' }),
      expect.objectContaining({ key, reason: 'too-large' }),
      expect.objectContaining({ key, reason: 'too-large' }),
    ]);
    const warnings = logs.warningsAbout(`"${key}"`);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('limits.valueBytes');
    // Still in Redis: a read never deletes; the next write replaces it.
    expect(await raw.strlen(entryKey(app.namespace, key))).toBe(bomb.length);
  });

  it('is a miss for getOrSet(): the factory runs and its value replaces the bomb', async () => {
    const key = `bomb-get-or-set-${algorithm}`;
    await raw.set(entryKey(app.namespace, key), bomb);
    const { result, rose } = await withPeakRss(() => app.cache.getOrSet(key, () => 'fresh'));
    expect(result).toBe('fresh');
    expect(rose).toBeLessThan(MEMORY_BUDGET);
    expect(await app.cache.get(key)).toBe('fresh');
    // Read once, and once more under the lock before the factory runs: two misses, one warning.
    expect(app.cache.stats().values?.oversizedEntries).toBeGreaterThanOrEqual(1);
    expect(logs.warningsAbout(`"${key}"`)).toHaveLength(1);
  });

  it('is a miss for @Cacheable: the method runs once and its value is cached', async () => {
    const products = app.get(ProductsService);
    const id = `bomb-${algorithm}`;
    await raw.set(entryKey(app.namespace, `product:${id}`), bomb);
    const calls = products.calls;
    const { result, rose } = await withPeakRss(() => products.find(id));
    expect(result).toEqual({ id, name: 'Lamp' });
    expect(rose).toBeLessThan(MEMORY_BUDGET);
    expect(await products.find(id)).toEqual({ id, name: 'Lamp' });
    expect(products.calls).toBe(calls + 1);
    expect(app.cache.stats().values?.oversizedEntries).toBeGreaterThanOrEqual(1);
  });
});

describe('entries over the reader’s limits.valueBytes', () => {
  const LIMIT = 64 * 1024;
  let reader: CacheApp;
  let writer: CacheApp;
  beforeAll(async () => {
    const namespace = uniqueNamespace();
    reader = await createCacheApp({ cache: { namespace, limits: { valueBytes: LIMIT } } });
    writer = await createCacheApp({ cache: { namespace, compression: false } });
    logs.attach();
  });
  afterEach(() => reader.cache.resetStats());
  afterAll(async () => {
    await writer.cache.clear();
    await Promise.all([reader.close(), writer.close()]);
  });

  it('an uncompressed entry over the limit, written by hand, is a miss, logged once, counted', async () => {
    const key = 'raw-large';
    await raw.set(entryKey(reader.namespace, key), `10j${JSON.stringify('x'.repeat(LIMIT))}`);
    expect(await reader.cache.get(key)).toBeUndefined();
    expect(await reader.cache.get(key)).toBeUndefined();
    expect(reader.cache.stats().values?.oversizedEntries).toBe(2);
    expect(logs.warningsAbout(`"${key}"`)).toHaveLength(1);
    expect(await reader.cache.getOrSet(key, () => 'small')).toBe('small');
    expect(await reader.cache.get(key)).toBe('small');
  });

  it('entries written by an instance with a larger limit are misses, compressed or not', async () => {
    const big = { text: 'y'.repeat(2 * LIMIT) };
    await writer.cache.set('plain', big);
    expect(await writer.cache.get('plain')).toEqual(big);
    expect(await reader.cache.get('plain')).toBeUndefined();

    const compressing = await createCacheApp({
      cache: { namespace: reader.namespace, compression: { threshold: 1024 } },
    });
    try {
      await compressing.cache.set('deflated', big);
      // Compressed, the entry is far under the limit; inflated it would not be.
      expect(await raw.strlen(entryKey(reader.namespace, 'deflated'))).toBeLessThan(LIMIT);
      expect(await compressing.cache.get('deflated')).toEqual(big);
      expect(await reader.cache.get('deflated')).toBeUndefined();
    } finally {
      await compressing.close();
    }
    expect(reader.cache.stats().values?.oversizedEntries).toBe(2);
  });

  it('an entry at the limit is read', async () => {
    const value = 'z'.repeat(LIMIT - 3); // "j" + the JSON string's two quotes
    await writer.cache.set('fits', value);
    expect(await reader.cache.get('fits')).toBe(value);
    expect(reader.cache.stats().values?.oversizedEntries).toBe(0);
  });
});
