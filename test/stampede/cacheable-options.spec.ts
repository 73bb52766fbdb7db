// The protection options reach cached methods: @Cacheable takes grace, timeouts, lock and l1
// like getOrSet does, resolved once at bootstrap.
import { Injectable } from '@nestjs/common';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Cacheable } from '../../lib/index.js';
import { ManualClock } from '../../lib/testing/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';

@Injectable()
class PricesService {
  calls = 0;
  failing = false;

  @Cacheable({ key: 'price:{0}', ttl: '100ms', grace: '10s', timeout: false, l1: false })
  async price(sku: string): Promise<{ sku: string; call: number }> {
    this.calls++;
    if (this.failing) throw new Error('pricing service down');
    return { sku, call: this.calls };
  }
}

let app: CacheApp;
const clock = new ManualClock();
beforeAll(async () => {
  app = await createCacheApp({ providers: [PricesService], cache: { l1: { ttl: '1m' } }, clock });
});
afterAll(() => app.close());

it('a cached method serves its stale value when the origin fails (fail-safe)', async () => {
  const prices = app.get(PricesService);
  expect(await prices.price('a')).toEqual({ sku: 'a', call: 1 });
  clock.advance(150);
  prices.failing = true;
  expect(await prices.price('a')).toEqual({ sku: 'a', call: 1 });
  expect(prices.calls).toBe(2);
  expect(app.cache.stats().stampede!.failSafe).toBe(1);
  // l1: false on the method: nothing of it went into the module's L1.
  expect(app.cache.stats().l1!.entries).toBe(0);
});
