// A lookup is counted the same whether or not anyone listens: the built-in stats take hits and
// misses on the bus's tally path (no event object), and `cache:hit`/`cache:miss` listeners, when
// there are some, see one event per counted lookup, subscribed or unsubscribed at any time.
import { Injectable } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Cacheable, CacheEvents, type CacheEventData } from '../../lib/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';

@Injectable()
class Orders {
  @Cacheable({ key: 'order:{0}' })
  async find(id: string): Promise<{ id: string }> {
    return { id };
  }
}

describe('counting lookups', () => {
  let app: CacheApp;
  let events: CacheEvents;
  beforeAll(async () => {
    app = await createCacheApp({ cache: { l1: { ttl: '1m' } }, providers: [Orders] });
    events = app.get(CacheEvents);
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.cache.clear();
    app.cache.resetStats();
  });

  /** A Redis hit, two L1 hits, a miss, and a @Cacheable miss then L1 hit. */
  async function lookups(): Promise<void> {
    await app.cache.set('k', { v: 1 });
    await app.cache.get('k');
    await app.cache.get('k');
    await app.cache.getOrSet('k', () => ({ v: 2 }));
    await app.cache.get('absent');
    await app.get(Orders).find('1');
    await app.get(Orders).find('1');
  }

  const expected = {
    hits: 4,
    misses: 2,
    methods: { 'Orders.find': { hits: 1, misses: 1, hitRatio: 0.5 } },
  };

  it('counts the same with no listener, with listeners, and after they unsubscribe', async () => {
    await lookups();
    expect(app.cache.stats()).toMatchObject(expected);

    const hits: CacheEventData<'cache:hit'>[] = [];
    const misses: CacheEventData<'cache:miss'>[] = [];
    const offHit = events.on('cache:hit', (hit) => hits.push(hit));
    const offMiss = events.on('cache:miss', (miss) => misses.push(miss));
    await app.cache.clear();
    app.cache.resetStats();
    await lookups();
    expect(app.cache.stats()).toMatchObject(expected);
    expect(hits.map((h) => [h.key, h.layer, h.method])).toEqual([
      ['k', 'redis', undefined],
      ['k', 'l1', undefined],
      ['k', 'l1', undefined],
      ['order:1', 'l1', 'Orders.find'],
    ]);
    expect(misses.map((m) => [m.key, m.method])).toEqual([
      ['absent', undefined],
      ['order:1', 'Orders.find'],
    ]);

    offHit();
    offMiss();
    await app.cache.clear();
    app.cache.resetStats();
    await lookups();
    expect(app.cache.stats()).toMatchObject(expected);
    expect(hits).toHaveLength(4);
    expect(misses).toHaveLength(2);
  });

  it('counts a hit or a miss announced through emit like its own, stale hits included', async () => {
    const seen: string[] = [];
    const off = events.on('cache:hit', (hit) => seen.push(hit.key));
    try {
      events.emit({
        name: 'cache:hit',
        data: { key: 'outside', layer: 'redis', method: 'Orders.find', stale: true },
      });
      events.emit({ name: 'cache:miss', data: { key: 'outside', method: undefined } });
    } finally {
      off();
    }
    const stats = app.cache.stats();
    expect(stats).toMatchObject({
      hits: 1,
      misses: 1,
      methods: { 'Orders.find': { hits: 1, misses: 0 } },
    });
    expect(stats.stampede!.staleServed).toBe(1);
    expect(seen).toEqual(['outside']);
  });
});
