// Callers that share another caller's in-flight lookup (single flight) are counted like it:
// hits when the shared lookup hit, misses when it had to run the factory.
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

it('counts every concurrent caller of a cold key as a miss, with one factory call', async () => {
  let calls = 0;
  const values = await Promise.all(
    Array.from({ length: 20 }, () =>
      app.cache.getOrSet('cold', async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return 'computed';
      }),
    ),
  );
  expect(values.every((value) => value === 'computed')).toBe(true);
  expect(calls).toBe(1);
  const stats = app.cache.stats();
  expect(stats.misses).toBe(20);
  expect(stats.hits).toBe(0);
});
