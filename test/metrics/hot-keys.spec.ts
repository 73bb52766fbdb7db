// The hot keys: which keys a process reads most, with their hit ratios, in stats(), in the fleet
// scope (summed over instances at the stats flush) and in metrics() (10 keys at most). Counts are
// estimated from a sample of reads, so they are checked within a margin. Real Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheApp, uniqueNamespace, type CacheApp } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import { rawRedis } from '../support/raw-redis.js';
import { sharedRedisUrl } from '../support/cache-app.js';

/** Reads `key` `times` times, 100 at a time (each batch is one round trip). */
async function readTimes(app: CacheApp, key: string, times: number): Promise<void> {
  for (let done = 0; done < times; done += 100)
    await Promise.all(
      Array.from({ length: Math.min(100, times - done) }, () => app.cache.get(key)),
    );
}

/** Interleaves reads of several keys, so that no key's reads come in one run. */
async function readMix(app: CacheApp, reads: Record<string, number>): Promise<void> {
  const order = Object.entries(reads).flatMap(([key, times]) =>
    Array.from({ length: times }, (_, i) => ({ key, at: (i + 0.5) / times })),
  );
  order.sort((a, b) => a.at - b.at);
  for (let i = 0; i < order.length; i += 100)
    await Promise.all(order.slice(i, i + 100).map(({ key }) => app.cache.get(key)));
}

describe('stats().hotKeys', () => {
  let app: CacheApp;
  beforeAll(async () => {
    app = await createCacheApp();
  });
  afterAll(async () => {
    await app.cache.clear();
    await app.close();
  });

  it('names the most read keys, hottest first, with their reads and hit ratios', async () => {
    await app.cache.set('product:1', { name: 'kettle' });
    await app.cache.set('product:2', { name: 'toaster' });
    // product:3 is never stored: every read of it is a miss.
    const cold = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`cold:${i}`, 1]));
    await readMix(app, { 'product:1': 6000, 'product:2': 3000, 'product:3': 2000, ...cold });

    const hot = app.cache.stats().hotKeys!;
    expect(hot.length).toBe(10);
    expect(hot.slice(0, 3).map((entry) => entry.key)).toEqual([
      'product:1',
      'product:2',
      'product:3',
    ]);
    const [first, second, third] = hot;
    // One read in 32 is sampled: about 190 of product:1's, so the estimate is within ±25%.
    expect(first.reads).toBeGreaterThan(6000 * 0.75);
    expect(first.reads).toBeLessThan(6000 * 1.25 + 400);
    expect(second.reads).toBeGreaterThan(3000 * 0.75);
    expect(first.hitRatio).toBe(1);
    expect(third.hitRatio).toBe(0);
    expect(hot.every((entry, i) => i === 0 || hot[i - 1].reads >= entry.reads)).toBe(true);
  });

  it('gives a hit ratio per key from its own hits and misses', async () => {
    await app.cache.set('half', 1);
    await readTimes(app, 'half', 2000);
    await app.cache.del('half');
    await readTimes(app, 'half', 2000);
    const half = app.cache.stats().hotKeys!.find((entry) => entry.key === 'half')!;
    expect(half.hitRatio).toBeGreaterThan(0.4);
    expect(half.hitRatio).toBeLessThan(0.6);
  });

  it('starts over on resetStats()', async () => {
    app.cache.resetStats();
    expect(app.cache.stats().hotKeys).toEqual([]);
  });

  it('counts the reads of getOrSet and mget too', async () => {
    for (let i = 0; i < 30; i++)
      await Promise.all(
        Array.from({ length: 50 }, () => app.cache.getOrSet('computed', async () => 42)),
      );
    await Promise.all(Array.from({ length: 200 }, () => app.cache.mget(['m:1', 'm:2'])));
    const keys = app.cache.stats().hotKeys!.map((entry) => entry.key);
    expect(keys[0]).toBe('computed');
    expect(keys).toEqual(expect.arrayContaining(['m:1', 'm:2']));
  });
});

describe("stats({ scope: 'cluster' }).hotKeys", () => {
  const namespace = uniqueNamespace('hot');
  let a: CacheApp;
  let b: CacheApp;
  beforeAll(async () => {
    a = await createCacheApp({ cache: { namespace, stats: { flushInterval: '100ms' } } });
    b = await createCacheApp({ cache: { namespace } });
  });
  afterAll(async () => {
    await b.close();
    await a.cache.clear();
    await a.close();
  });

  it('sums the hot keys of every instance', async () => {
    await a.cache.set('shared', 'x');
    await readMix(a, { shared: 3200, 'only-a': 800 });
    await readMix(b, { shared: 3200, 'only-b': 1600 });
    // b flushes before reading; a's timer (every 100 ms, real time) sends its counts.
    const fleet = await eventually(
      () => b.cache.stats({ scope: 'cluster' }),
      (read) =>
        read.hotKeys.some((entry) => entry.key === 'only-a') &&
        (read.hotKeys[0]?.reads ?? 0) > 6400 * 0.75,
      { what: "a's counts in the fleet's hot keys" },
    );
    expect(fleet.hotKeys.map((entry) => entry.key)).toEqual(['shared', 'only-b', 'only-a']);
    expect(fleet.hotKeys[0].reads).toBeGreaterThan(6400 * 0.75);
    expect(fleet.hotKeys[0].reads).toBeLessThan(6400 * 1.25);
    expect(fleet.hotKeys[0].hitRatio).toBe(1);
    expect(fleet.hotKeys[1].hitRatio).toBe(0);
    // Each process still shows its own.
    expect(a.cache.stats().hotKeys!.map((entry) => entry.key)).toEqual(['shared', 'only-a']);
  });

  it('keeps the fleet summary in one bounded hash however many keys are read', async () => {
    const raw = rawRedis(sharedRedisUrl());
    try {
      for (let round = 0; round < 12; round++) {
        await Promise.all(
          Array.from({ length: 60 }, (_, i) => b.cache.get(`spread:${round}:${i}`)),
        );
        await readTimes(b, 'steady', 40);
        await b.cache.stats({ scope: 'cluster' }); // a flush of b's counts
      }
      const fields = await raw.hlen(`${namespace}#stats:hot-keys`);
      expect(fields).toBeGreaterThan(0);
      expect(fields).toBeLessThanOrEqual(256);
      const fleet = await b.cache.stats({ scope: 'cluster' });
      expect(fleet.hotKeys.map((entry) => entry.key)).toContain('steady');
    } finally {
      raw.disconnect();
    }
  });
});

describe('hot keys in metrics()', () => {
  let app: CacheApp;
  beforeAll(async () => {
    app = await createCacheApp();
  });
  afterAll(async () => {
    await app.cache.clear();
    await app.close();
  });

  it('exposes the 10 hottest keys only, with their reads and hit ratios', async () => {
    const reads = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 100 + i * 20]));
    await readMix(app, reads);
    const text = await app.cache.metrics();
    const series = text.split('\n').filter((line) => line.startsWith('cache_hot_key_reads{'));
    expect(series).toHaveLength(10);
    expect(text).toContain(`cache_hot_key_reads{namespace="${app.namespace}",key="k29"}`);
    expect(text).toContain(`cache_hot_key_hit_ratio{namespace="${app.namespace}",key="k29"} 0`);
    expect(text).toContain('# TYPE cache_hot_key_reads gauge');
  });
});
