// getOrSet with tags reads the tags' current versions alongside the entry (one round trip). These
// tests pin down that the shortcut never serves an invalidated entry, whichever tags the call and
// the entry carry.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';

let app: CacheApp;
beforeAll(async () => {
  app = await createCacheApp();
});
beforeEach(() => app.cache.clear());
afterAll(() => app.close());

function counter() {
  let calls = 0;
  const factory = async () => `value-${++calls}`;
  return { factory, calls: () => calls };
}

it('serves a tagged hit and misses after any of its tags is invalidated', async () => {
  const { factory, calls } = counter();
  const options = { tags: ['product:1', 'brand:acme'] };
  expect(await app.cache.getOrSet('p1', factory, options)).toBe('value-1');
  expect(await app.cache.getOrSet('p1', factory, options)).toBe('value-1');
  await app.cache.invalidateTags('brand:acme');
  expect(await app.cache.getOrSet('p1', factory, options)).toBe('value-2');
  expect(calls()).toBe(2);
});

it('checks tags the entry carries but the call does not name', async () => {
  await app.cache.set('p2', 'stored', { tags: ['product:2', 'category:toys'] });
  const { factory, calls } = counter();
  expect(await app.cache.getOrSet('p2', factory, { tags: ['product:2'] })).toBe('stored');
  await app.cache.invalidateTags('category:toys');
  expect(await app.cache.getOrSet('p2', factory, { tags: ['product:2'] })).toBe('value-1');
  expect(calls()).toBe(1);
});

it('ignores call tags the entry was not written with', async () => {
  await app.cache.set('p3', 'stored', { tags: ['product:3'] });
  const { factory } = counter();
  await app.cache.invalidateTags('unrelated');
  expect(await app.cache.getOrSet('p3', factory, { tags: ['product:3', 'unrelated'] })).toBe(
    'stored',
  );
});
