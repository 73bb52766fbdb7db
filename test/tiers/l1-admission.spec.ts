// `l1.admission: 'frequency'`: a burst of keys read once passes the L1 by instead of evicting the
// hot set (a plain LRU loses it), a key read often still gets in, values stay correct and
// coherent, and the option is checked at bootstrap.
import { describe, expect, it } from 'vitest';
import { CacheConfigError } from '../../lib/index.js';
import { L1Cache } from '../../lib/tiers/l1-cache.js';
import { resolveL1Settings } from '../../lib/tiers/l1-options.js';
import { createCacheApp, sharedRedisUrl, uniqueNamespace } from '../support/cache-app.js';
import { CHILD_START_TIMEOUT_MS, NodeChild } from '../support/child-process.js';
import { eventually } from '../support/eventually.js';

type Admission = 'none' | 'frequency';
const bytes = Buffer.from('value');

function l1Of(admission: Admission, maxEntries = 100): L1Cache {
  return new L1Cache(
    { maxEntries, maxBytes: 10_000_000, ttlMs: 60_000, frozen: false, admission },
    () => true,
  );
}

/** One read as the lookup makes it: L1 first, and on a miss the value read from Redis kept. */
function read(l1: L1Cache, key: string): boolean {
  if (l1.fresh(key, 0)) return true;
  l1.put(key, bytes, undefined, 60_000, l1.stamp());
  return false;
}

const hotKeys = Array.from({ length: 100 }, (_, i) => `hot:${i}`);

/** The hot set read 5 times over, then 1,000 keys read once each: how many hot keys L1 kept. */
function hotKeptAfterScan(admission: Admission): number {
  const l1 = l1Of(admission);
  for (let round = 0; round < 5; round++) for (const key of hotKeys) read(l1, key);
  for (let i = 0; i < 1_000; i++) read(l1, `scan:${i}`);
  return hotKeys.filter((key) => l1.get(key) !== undefined).length;
}

describe("L1Cache with admission 'frequency'", () => {
  it('keeps the hot set through a burst of keys read once (a plain LRU loses all of it)', () => {
    expect(hotKeptAfterScan('none')).toBe(0);
    // All but the rare one whose scan rival's counters collided with others' (count-min errs up).
    expect(hotKeptAfterScan('frequency')).toBeGreaterThanOrEqual(95);
  });

  it('lets in a key read more often than the entry it pushes out', () => {
    const l1 = l1Of('frequency');
    for (const key of hotKeys) read(l1, key); // full, each resident read once
    let reads = 1;
    while (!read(l1, 'rising')) reads++;
    // Its first read is refused (not more often than the LRU entry, read once; unless its counters
    // all collide with others'), the next lets it in, and the one after hits.
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThanOrEqual(3);
    expect(l1.stats().entries).toBe(100);
  });

  it('admits every key while there is room, and always replaces a key it holds', () => {
    const l1 = l1Of('frequency');
    for (const key of hotKeys) expect(read(l1, key)).toBe(false);
    expect(l1.stats().entries).toBe(100);
    // Full now, but a write to a held key (read once, less than others) must replace its bytes.
    l1.put('hot:0', Buffer.from('new'), undefined, 60_000, l1.stamp());
    expect(l1.get('hot:0')?.raw.toString()).toBe('new');
  });

  it('still honours evictions by key and by tag (coherence is unchanged)', () => {
    const l1 = l1Of('frequency');
    l1.put('k', bytes, { tags: { t: 'v1' } }, 60_000, l1.stamp());
    l1.put('j', bytes, undefined, 60_000, l1.stamp());
    l1.evictTags(['t']);
    l1.evictKeys(['j']);
    expect([l1.get('k'), l1.get('j')]).toEqual([undefined, undefined]);
  });
});

describe('l1.admission option', () => {
  it("defaults to 'none' and accepts 'frequency'", () => {
    expect(resolveL1Settings(true)).toMatchObject({ admission: 'none' });
    expect(resolveL1Settings({ admission: 'frequency' })).toMatchObject({ admission: 'frequency' });
  });

  it('fails on anything else, naming l1.admission and the accepted values', () => {
    const error = (() => {
      try {
        resolveL1Settings({ admission: 'lfu' });
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as CacheConfigError).option).toBe('l1.admission');
    expect((error as Error).message).toMatch(/'none' or 'frequency', got 'lfu'/);
  });

  it('fails the module at bootstrap', async () => {
    await expect(createCacheApp({ cache: { l1: { admission: 'lru' as never } } })).rejects.toThrow(
      /l1\.admission/,
    );
  });
});

describe("L1 with admission 'frequency' on Redis", () => {
  it('serves the hot set from L1 through a scan, with the right values', async () => {
    const l1 = { maxEntries: 50, ttl: '1m', admission: 'frequency' } as const;
    const app = await createCacheApp({ cache: { l1 } });
    try {
      const hot = Array.from({ length: 50 }, (_, i) => `hot:${i}`);
      for (let round = 0; round < 4; round++)
        for (const key of hot) await app.cache.getOrSet(key, () => ({ key, round }));
      for (let i = 0; i < 300; i++) {
        const key = `scan:${i}`;
        expect(await app.cache.getOrSet(key, () => ({ key }))).toEqual({ key }); // from Redis
      }
      app.cache.resetStats();
      for (const key of hot)
        expect(await app.cache.getOrSet(key, () => 'recomputed')).toEqual({ key, round: 0 });
      expect(app.cache.stats().l1).toMatchObject({ hits: 50, misses: 0 });
      // The instance's own write replaces the kept entry.
      await app.cache.set('hot:0', 'changed');
      expect(await app.cache.get('hot:0')).toBe('changed');
    } finally {
      await app.close();
    }
  });

  it("another instance's write evicts the entry from this one's L1", async () => {
    const namespace = uniqueNamespace('adm');
    const writer = await createCacheApp({ cache: { namespace, l1: true } });
    const reader = NodeChild.start('test/tiers/fixtures/l1-node.ts', {
      REDIS_URL: sharedRedisUrl(),
      CACHE_NAMESPACE: namespace,
      L1_ADMISSION: 'frequency',
    });
    try {
      await reader.waitFor('ready', CHILD_START_TIMEOUT_MS);
      let asked = 0;
      const get = async () => {
        const id = `get${++asked}`;
        reader.send({ type: 'get', id, key: 'k' });
        return reader.waitFor('reply', 10_000, (m) => m.id === id);
      };
      await writer.cache.set('k', 'v1');
      // Served from the reader's L1 (once the write's own invalidation message has passed by).
      const held = await eventually(get, (reply) => reply.fromL1 === true, { what: 'k in L1' });
      expect(held.value).toBe('v1');
      await writer.cache.set('k', 'v2');
      const seen = await eventually(get, (reply) => reply.value === 'v2', { what: 'v2 in B' });
      expect(seen.value).toBe('v2');
    } finally {
      await Promise.all([reader.kill(), writer.close()]);
    }
  });
});
