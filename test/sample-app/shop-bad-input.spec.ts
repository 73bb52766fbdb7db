// Bad input on every route of the sample shop: a 400 that names the field and what is expected,
// never a 500, and nothing read from or written to the cache or the database on its account.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRedis } from '../support/raw-redis.js';
import { startShop, TempDir, type InProcessShop } from './support/shop-harness.js';

let dir: TempDir;
let shop: InProcessShop;
let redis: Redis;

beforeAll(async () => {
  dir = new TempDir();
  shop = await startShop(dir.file('shop.db'));
  redis = rawRedis();
}, 120_000);

afterAll(async () => {
  await shop?.close();
  await redis?.quit();
  dir?.dispose();
});

type Method = 'get' | 'put' | 'post' | 'delete';
interface BadRequest {
  method: Method;
  url: string;
  body?: unknown;
  /** Raw body text sent as JSON (for malformed JSON). */
  raw?: string;
  message: string | RegExp;
}

const ID = 'id must be a positive integer (1 to 2147483647)';
const BAD_REQUESTS: BadRequest[] = [
  { method: 'get', url: '/products/abc', message: `${ID}, got "abc"` },
  { method: 'get', url: '/products/0', message: `${ID}, got "0"` },
  { method: 'get', url: '/products/-4', message: `${ID}, got "-4"` },
  { method: 'get', url: '/products/1.5', message: `${ID}, got "1.5"` },
  { method: 'get', url: '/products/007', message: `${ID}, got "007"` },
  { method: 'get', url: '/products/99999999999', message: `${ID}, got "99999999999"` },
  { method: 'get', url: '/products/%7B0%7D', message: `${ID}, got "{0}"` },
  { method: 'get', url: '/products/x/card', message: `${ID}, got "x"` },
  { method: 'get', url: '/products/1e3/stock', message: `${ID}, got "1e3"` },
  { method: 'get', url: '/products/NaN/recommendations', message: `${ID}, got "NaN"` },
  {
    method: 'get',
    url: '/categories/audio/products?page=0',
    message: 'page must be an integer from 1 to 500, got "0"',
  },
  {
    method: 'get',
    url: '/categories/audio/products?page=abc',
    message: 'page must be an integer from 1 to 500, got "abc"',
  },
  {
    method: 'get',
    url: '/categories/audio/products?page=1&page=2',
    message: 'page must be an integer from 1 to 500, got ["1","2"]',
  },
  {
    method: 'get',
    url: '/brands/Acme/products?page=501',
    message: 'page must be an integer from 1 to 500, got "501"',
  },
  {
    method: 'get',
    url: '/trending?limit=0',
    message: 'limit must be an integer from 1 to 50, got "0"',
  },
  {
    method: 'get',
    url: '/trending?limit=51',
    message: 'limit must be an integer from 1 to 50, got "51"',
  },
  {
    method: 'put',
    url: '/admin/products/zz/price',
    body: { priceCents: 5 },
    message: `${ID}, got "zz"`,
  },
  {
    method: 'put',
    url: '/admin/products/1/price',
    body: { priceCents: '5' },
    message: 'priceCents must be an integer from 0 to 100000000, got "5"',
  },
  {
    method: 'put',
    url: '/admin/products/1/price',
    body: { priceCents: 9.99 },
    message: 'priceCents must be an integer from 0 to 100000000, got 9.99',
  },
  {
    method: 'put',
    url: '/admin/products/1/price',
    body: {},
    message: 'price_cents must be an integer from 0 to 100000000, got nothing',
  },
  {
    method: 'put',
    url: '/admin/products/1/price',
    body: { priceCents: 5, discount: 1 },
    message: 'unknown field "discount" (allowed: price_cents, priceCents)',
  },
  {
    method: 'put',
    url: '/admin/products/1/price',
    body: [5],
    message: /^the body must be a JSON object with price_cents, priceCents/,
  },
  {
    method: 'put',
    url: '/admin/products/1/price',
    raw: '{"priceCents": ',
    message: /JSON/,
  },
  {
    method: 'put',
    url: '/admin/products/1/stock',
    body: { stock: -1 },
    message: 'stock must be an integer from 0 to 1000000, got -1',
  },
  {
    method: 'put',
    url: '/admin/products/1/stock',
    body: { stock: null },
    message: 'stock must be an integer from 0 to 1000000, got null',
  },
  {
    method: 'post',
    url: '/orders',
    body: { productId: 1, quantity: 0 },
    message: 'quantity must be an integer from 1 to 10, got 0',
  },
  {
    method: 'post',
    url: '/orders',
    body: { productId: 'one' },
    message: 'productId must be an integer from 1 to 2147483647, got "one"',
  },
  {
    method: 'post',
    url: '/orders',
    body: { id: 'a:b', productId: 1 },
    message: `id must be 8-64 letters, digits, '-' or '_', got "a:b"`,
  },
  {
    method: 'post',
    url: '/orders',
    body: { id: 'x'.repeat(65), productId: 1 },
    message: /^id must be 8-64 letters, digits, '-' or '_', got "x{50,}\.\.\.$/,
  },
  {
    method: 'post',
    url: '/orders',
    body: { productId: 1, coupon: 'FREE' },
    message: 'unknown field "coupon" (allowed: id, productId, quantity)',
  },
  { method: 'post', url: '/orders', raw: 'not json', message: /JSON/ },
  {
    method: 'get',
    url: '/orders/short',
    message: `order id must be 8-64 letters, digits, '-' or '_', got "short"`,
  },
  {
    method: 'get',
    url: '/orders/..%2F..%2Fetc',
    message: `order id must be 8-64 letters, digits, '-' or '_', got "../../etc"`,
  },
  {
    method: 'get',
    url: '/carts/a%20cart%20id',
    message: `cart id must be 8-64 letters, digits, '-' or '_', got "a cart id"`,
  },
  {
    method: 'post',
    url: '/carts/cart-bad-0001/items',
    body: { productId: 1, quantity: 100 },
    message: 'quantity must be an integer from 1 to 99, got 100',
  },
  {
    method: 'post',
    url: '/carts/cart*/items',
    body: { productId: 1 },
    message: `cart id must be 8-64 letters, digits, '-' or '_', got "cart*"`,
  },
  {
    method: 'delete',
    url: '/carts/cart-bad-0001/items/first',
    message: 'productId must be a positive integer (1 to 2147483647), got "first"',
  },
];

/**
 * The cache entries of the shop's namespace: neither the library's bookkeeping (`{ns}#...`) nor
 * the shop's own data, which lives outside the namespace (`{ns}-data:...`).
 */
async function cacheEntries(): Promise<string[]> {
  const keys: string[] = [];
  const stream = redis.scanStream({ match: `${shop.config.namespace}:*`, count: 1000 });
  for await (const batch of stream as AsyncIterable<string[]>) keys.push(...batch);
  return keys.sort();
}

describe('bad input on every route', () => {
  it('warms the cache so that a poisoned entry would show', async () => {
    await shop.http().get('/products/1').expect(200);
    await shop.http().get('/categories/audio/products').expect(200);
    expect(await cacheEntries()).toEqual(
      [
        `${shop.config.namespace}:category:audio:page:1`,
        `${shop.config.namespace}:product:1`,
      ].sort(),
    );
  });

  it.each(BAD_REQUESTS)('%# $method $url -> 400', async ({ method, url, body, raw, message }) => {
    const before = await shop.live();
    let call = shop.http()[method](url);
    if (raw !== undefined) call = call.set('Content-Type', 'application/json').send(raw);
    else if (body !== undefined) call = call.send(body as object);
    const response = await call;
    expect(response.status).toBe(400);
    expect(response.body.statusCode).toBe(400);
    if (typeof message === 'string') expect(response.body.message).toBe(message);
    else expect(response.body.message).toMatch(message);
    // Nothing was looked up, stored or queried on account of the bad request.
    const after = await shop.live();
    expect(after.cache.hits + after.cache.misses).toBe(before.cache.hits + before.cache.misses);
    expect(after.database.queries).toBe(before.database.queries);
    expect(response.headers['x-cache']).toBeUndefined();
    expect(await redis.exists(`${shop.config.namespace}-data:cart:cart-bad-0001`)).toBe(0);
  });

  it('left the cache as it was', async () => {
    const ns = shop.config.namespace;
    expect(await cacheEntries()).toEqual([`${ns}:category:audio:page:1`, `${ns}:product:1`].sort());
    expect((await shop.http().get('/products/1').expect(200)).headers['x-cache']).toBe('HIT');
  });

  it('answers 404, not 400, for well-formed ids and names that do not exist', async () => {
    await shop.http().get('/products/2147483647').expect(404);
    const category = await shop.http().get('/categories/spaceships/products').expect(404);
    expect(category.body.message).toMatch(/^unknown category "spaceships" \(known: audio, /);
    await shop.http().get('/brands/acme/products').expect(404);
    await shop.http().get('/orders/no-such-order').expect(404);
    expect(await cacheEntries()).toEqual(
      [
        `${shop.config.namespace}:category:audio:page:1`,
        `${shop.config.namespace}:product:1`,
      ].sort(),
    );
  });
});
