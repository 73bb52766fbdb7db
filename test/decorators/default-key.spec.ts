// The default key of @Cacheable is the same in two separate processes for deep-equal arguments
// built in different orders: a value one process cached is a hit in another.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stableHash } from '../../lib/keys/stable-hash.js';
import {
  createCacheApp,
  sharedRedisUrl,
  uniqueNamespace,
  type CacheApp,
} from '../support/cache-app.js';
import { CHILD_START_TIMEOUT_MS, NodeChild } from '../support/child-process.js';
import { CatalogService, queryInParentOrder } from './fixtures/catalog.service.js';

const namespace = uniqueNamespace('dk');
let app: CacheApp;

beforeAll(async () => {
  app = await createCacheApp({ cache: { namespace }, providers: [CatalogService] });
});
afterAll(async () => {
  await app.cache.clear();
  await app.close();
});

it('computes the same default key in another process', async () => {
  const child = NodeChild.start('test/decorators/fixtures/default-key-app.ts', {
    REDIS_URL: sharedRedisUrl(),
    CACHE_NAMESPACE: namespace,
  });
  const done = await child.waitFor('done', CHILD_START_TIMEOUT_MS);
  expect(await child.exited).toBe(0);
  const childResult = done.result as { pid: number; runs: number };
  expect(childResult.pid).toBe(child.process.pid);

  const expectedKey = `CatalogService.search:${stableHash([queryInParentOrder(), ['a', 'b']])}`;
  expect(done.keys).toEqual([`${namespace}:${expectedKey}`]);

  const service = app.get(CatalogService);
  expect(await service.search(queryInParentOrder(), ['a', 'b'])).toEqual(childResult);
  expect(service.runs).toBe(0);
  // Different arguments are a different key.
  await service.search(queryInParentOrder(), ['b', 'a']);
  expect(service.runs).toBe(1);
});
