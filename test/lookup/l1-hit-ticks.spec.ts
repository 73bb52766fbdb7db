// An L1 hit is served without waiting on anything: get, getOrSet and a @Cacheable method hand
// back a promise that is already settled (no `await` inside the read path, no extra promise
// ticks), while a Redis hit takes a round trip. What lets an L1 hit cost about what a Map lookup
// and a copy cost.
import { Injectable } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cacheable } from '../../lib/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';

@Injectable()
class Orders {
  computed = 0;

  @Cacheable({ key: 'order:{0}' })
  async find(id: string): Promise<{ id: string; lines: { sku: string }[] }> {
    this.computed++;
    return { id, lines: [{ sku: 'a' }] };
  }
}

/** Microtask turns until `promise` settles (its own reaction included), at most 20. */
async function turnsToSettle(promise: Promise<unknown>): Promise<number> {
  let settled = false;
  void promise.then(() => (settled = true));
  let turns = 0;
  while (!settled && turns < 20) {
    await Promise.resolve();
    turns++;
  }
  return turns;
}

describe('an L1 hit', () => {
  let app: CacheApp;
  beforeAll(async () => {
    app = await createCacheApp({ cache: { l1: { ttl: '1m' } }, providers: [Orders] });
  });
  afterAll(() => app.close());

  it('get and getOrSet settle at once; a Redis hit does not', async () => {
    const value = { id: 1, lines: [{ sku: 'a', qty: 2 }] };
    await app.cache.set('k', value);
    expect(await turnsToSettle(app.cache.get('k'))).toBeGreaterThan(1); // Redis, now in L1
    await app.cache.get('k'); // first L1 hit: parsed once
    const before = app.cache.stats().l1!.hits;
    expect(await turnsToSettle(app.cache.get('k'))).toBe(1);
    expect(await turnsToSettle(app.cache.getOrSet('k', () => ({ id: 2, lines: [] })))).toBe(1);
    expect(app.cache.stats().l1!.hits).toBe(before + 2);
    expect(await app.cache.getOrSet('k', () => ({ id: 2, lines: [] }))).toEqual(value);
  });

  it('a @Cacheable method settles at once too', async () => {
    const orders = app.get(Orders);
    await orders.find('7'); // miss: computed, stored in Redis and L1
    await orders.find('7'); // first L1 hit
    const before = app.cache.stats().l1!.hits;
    const hit = orders.find('7');
    expect(await turnsToSettle(hit)).toBe(1);
    expect(await hit).toEqual({ id: '7', lines: [{ sku: 'a' }] });
    expect(orders.computed).toBe(1);
    expect(app.cache.stats().l1!.hits).toBe(before + 1);
  });
});
