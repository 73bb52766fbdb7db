import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';

let app: CacheApp;
beforeAll(async () => {
  app = await createCacheApp();
});
afterAll(() => app.close());

it('sets and gets', async () => {
  await app.cache.set('a', { x: 1, d: new Date(5) });
  expect(await app.cache.get('a')).toEqual({ x: 1, d: new Date(5) });
  expect(await app.cache.getOrSet('b', () => 42)).toBe(42);
});
