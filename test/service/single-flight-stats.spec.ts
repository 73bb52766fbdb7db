// Callers that share another caller's in-flight lookup (single flight) are counted like it: hits
// when the shared lookup hit. The other half (misses, one factory run, when it had to compute) is
// asserted on every topology in test/topologies/get-or-set.spec.ts.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';

let app: CacheApp;
beforeAll(async () => {
  app = await createCacheApp();
});
beforeEach(async () => {
  await app.cache.clear();
  app.cache.resetStats();
});
afterAll(() => app.close());

it('counts every concurrent caller of a cached key as a hit', async () => {
  await app.cache.set('hot', { n: 1 });
  app.cache.resetStats();
  const values = await Promise.all(
    Array.from({ length: 20 }, () => app.cache.getOrSet('hot', () => ({ n: 2 }))),
  );
  expect(values).toEqual(Array.from({ length: 20 }, () => ({ n: 1 })));
  const stats = app.cache.stats();
  expect(stats.hits).toBe(20);
  expect(stats.misses).toBe(0);
});
