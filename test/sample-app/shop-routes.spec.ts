// The sample shop end to end, in this process on the suite's Redis and a fresh SQLite catalogue:
// every route, and each caching strategy where the shop uses it, checked the way a user would
// (X-Cache header, database query count, what Redis and the database hold).
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CacheResponseInterceptor } from '../../lib/http/cache-response.interceptor.js';
import { eventually } from '../support/eventually.js';
import { entryKey, rawRedis } from '../support/raw-redis.js';
import { dataPrefixOf } from '../../sample-app/src/config/shop-config.js';
import type { LiveStats } from '../../sample-app/src/observability/live-stats.service.js';
import { readDatabase, startShop, TempDir, type InProcessShop } from './support/shop-harness.js';

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

/** Runs `send` and returns its response with the number of database queries it caused. */
async function counted<T>(send: () => PromiseLike<T>): Promise<{ response: T; queries: number }> {
  const before = await shop.queries();
  const response = await send();
  return { response, queries: (await shop.queries()) - before };
}

function stockInDb(productId: number): number {
  return readDatabase(
    shop.config.sqliteFile,
    (db) =>
      (db.prepare('SELECT stock FROM products WHERE id = ?').get(productId) as { stock: number })
        .stock,
  );
}

describe('seeded catalogue', () => {
  it('holds 10,000 products over categories and brands, with past orders', async () => {
    const counts = readDatabase(shop.config.sqliteFile, (db) =>
      db
        .prepare(
          `SELECT (SELECT COUNT(*) FROM products) AS products,
                  (SELECT COUNT(DISTINCT category) FROM products) AS categories,
                  (SELECT COUNT(DISTINCT brand) FROM products) AS brands,
                  (SELECT COUNT(*) FROM orders) AS orders`,
        )
        .get(),
    );
    expect(counts).toEqual({ products: 10_000, categories: 12, brands: 12, orders: 40_000 });
    const { body } = await shop.http().get('/categories').expect(200);
    expect(body.categories).toHaveLength(12);
    expect(body.brands).toContain('Acme');
  });
});

describe('product details and listings (cache-aside, tagged)', () => {
  it('reads a product from the database once, then from Redis', async () => {
    const first = await counted(() => shop.http().get('/products/17').expect(200));
    expect(first.response.headers['x-cache']).toBe('MISS');
    expect(first.queries).toBe(1);
    expect(first.response.body).toMatchObject({ id: 17, sku: 'SKU-000017' });

    const second = await counted(() => shop.http().get('/products/17').expect(200));
    expect(second.response.headers['x-cache']).toBe('HIT');
    expect(second.queries).toBe(0);
    expect(second.response.body).toEqual(first.response.body);
    expect(await redis.exists(entryKey(shop.config.namespace, 'product:17'))).toBe(1);
  });

  it('answers 404 for an unknown product without caching the absence', async () => {
    for (let i = 0; i < 2; i++) {
      const miss = await counted(() => shop.http().get('/products/999999').expect(404));
      expect(miss.response.body.message).toBe('product 999999 does not exist');
      expect(miss.queries).toBe(1);
    }
    expect(await redis.exists(entryKey(shop.config.namespace, 'product:999999'))).toBe(0);
  });

  it('caches category and brand listings per page', async () => {
    const page1 = await shop.http().get('/categories/audio/products').expect(200);
    expect(page1.headers['x-cache']).toBe('MISS');
    expect(page1.body).toHaveLength(20);
    expect(page1.body.every((p: { category: string }) => p.category === 'audio')).toBe(true);
    const page2 = await shop.http().get('/categories/audio/products?page=2').expect(200);
    expect(page2.headers['x-cache']).toBe('MISS');
    expect(page2.body[0].id).toBeGreaterThan(page1.body[19].id);
    const again = await counted(() => shop.http().get('/categories/audio/products?page=1'));
    expect(again.response.headers['x-cache']).toBe('HIT');
    expect(again.queries).toBe(0);

    const brand = await shop.http().get('/brands/Wonka/products?page=3').expect(200);
    expect(brand.body.every((p: { brand: string }) => p.brand === 'Wonka')).toBe(true);
    expect((await shop.http().get('/brands/Wonka/products?page=3')).headers['x-cache']).toBe('HIT');
    expect((await shop.http().get('/categories/audio/products?page=500').expect(200)).body).toEqual(
      [],
    );
  });

  it('evicts details, card and the listings showing a product when an admin changes its price', async () => {
    const { body: product } = await shop.http().get('/products/40').expect(200);
    // Far pages without product 40 (ids are listed in order), and the pages that show it.
    const inCategory = `/categories/${product.category}/products?page=30`;
    const inBrand = `/brands/${product.brand}/products?page=30`;
    const categoryPage = await pageShowing(`/categories/${product.category}/products`, 40);
    const brandPage = await pageShowing(`/brands/${product.brand}/products`, 40);
    const otherCategory = product.category === 'books' ? 'toys' : 'books';
    const views = [
      '/products/40',
      '/products/40/card',
      categoryPage,
      brandPage,
      inCategory,
      inBrand,
      `/categories/${otherCategory}/products`,
    ];
    for (const view of views) await shop.http().get(view).expect(200);
    for (const view of views) expect((await shop.http().get(view)).headers['x-cache']).toBe('HIT');

    const updated = await shop
      .http()
      .put('/admin/products/40/price')
      .send({ priceCents: 1234 })
      .expect(200);
    expect(updated.body).toMatchObject({ id: 40, price_cents: 1234 });

    const details = await shop.http().get('/products/40');
    expect(details.headers['x-cache']).toBe('MISS');
    expect(details.body.price_cents).toBe(1234);
    const card = await shop.http().get('/products/40/card');
    // The card missed and was rendered from the product page just read again (a hit).
    expect(card.headers['x-cache']).toBe('PARTIAL');
    expect(card.text).toContain('$12.34');
    for (const listing of [categoryPage, brandPage]) {
      const response = await shop.http().get(listing);
      expect(response.headers['x-cache']).toBe('MISS');
      const shown = response.body.find((p: { id: number }) => p.id === 40);
      expect(shown.price_cents).toBe(1234);
    }
    // Every page of the category and brand is invalidated (one tag each), other categories are not.
    expect((await shop.http().get(inCategory)).headers['x-cache']).toBe('MISS');
    expect((await shop.http().get(inBrand)).headers['x-cache']).toBe('MISS');
    expect(
      (await shop.http().get(`/categories/${otherCategory}/products`)).headers['x-cache'],
    ).toBe('HIT');
    await shop.http().put('/admin/products/999999/price').send({ priceCents: 1 }).expect(404);
  });
});

async function pageShowing(listing: string, productId: number): Promise<string> {
  for (let page = 1; page <= 50; page++) {
    const url = `${listing}?page=${page}`;
    const { body } = await shop.http().get(url).expect(200);
    if (body.some((p: { id: number }) => p.id === productId)) return url;
  }
  throw new Error(`product ${productId} is on no page of ${listing}`);
}

describe('product card (cached HTML fragment)', () => {
  it('serves the rendered HTML from Redis on the second request', async () => {
    const first = await shop.http().get('/products/3/card').expect(200);
    expect(first.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(first.text).toMatch(/^<article class="product-card" data-product-id="3">/);
    const second = await counted(() => shop.http().get('/products/3/card').expect(200));
    expect(second.response.headers['x-cache']).toBe('HIT');
    expect(second.queries).toBe(0);
    expect(second.response.text).toBe(first.text);
    expect(await shop.cache.get('card:3')).toBe(first.text);
    // Rendered from the product page: its price, rating and stock.
    const { body: page } = await shop.http().get('/products/3').expect(200);
    expect(first.text).toContain(`$${(page.price_cents / 100).toFixed(2)}`);
    expect(first.text).toContain(`(${page.review_count} review`);
    expect(first.text).toContain(`${page.stock} in stock`);
    // A stock change evicts the card with the page (tag stock:<id>).
    await shop.http().put('/admin/products/3/stock').send({ stock: 7 }).expect(200);
    const restocked = await shop.http().get('/products/3/card').expect(200);
    expect(restocked.headers['x-cache']).not.toBe('HIT');
    expect(restocked.text).toContain('7 in stock');
    await shop.http().get('/products/999999/card').expect(404);
  });
});

describe('inventory (one-minute TTL, write-through)', () => {
  it('caches stock levels for a minute at most', async () => {
    await shop.http().get('/products/5/stock').expect(200);
    const hit = await counted(() => shop.http().get('/products/5/stock').expect(200));
    expect(hit.response.headers['x-cache']).toBe('HIT');
    expect(hit.queries).toBe(0);
    const ttl = await shop.cache.ttl('stock:5');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('writes a stock change to the database, then to the cache', async () => {
    const put = await shop.http().put('/admin/products/6/stock').send({ stock: 321 }).expect(200);
    expect(put.body).toMatchObject({ productId: 6, stock: 321 });
    expect(stockInDb(6)).toBe(321);
    const read = await counted(() => shop.http().get('/products/6/stock').expect(200));
    expect(read.response.headers['x-cache']).toBe('HIT');
    expect(read.queries).toBe(0);
    expect(read.response.body.stock).toBe(321);
  });

  it('leaves the cache alone when the write fails', async () => {
    await shop.http().put('/admin/products/999999/stock').send({ stock: 1 }).expect(404);
    expect(await redis.exists(entryKey(shop.config.namespace, 'stock:999999'))).toBe(0);
  });
});

describe('recommendations (expensive, early recompute)', () => {
  it('recommends other products of the category and caches the result', async () => {
    const { body: product } = await shop.http().get('/products/8').expect(200);
    const first = await counted(() => shop.http().get('/products/8/recommendations').expect(200));
    expect(first.queries).toBe(1);
    expect(first.response.body).toHaveLength(6);
    for (const recommended of first.response.body) {
      expect(recommended.category).toBe(product.category);
      expect(recommended.id).not.toBe(8);
    }
    const ordered = first.response.body.map((r: { ordered: number }) => r.ordered);
    expect(ordered).toEqual([...ordered].sort((a, b) => b - a));
    const second = await counted(() => shop.http().get('/products/8/recommendations').expect(200));
    expect(second.response.headers['x-cache']).toBe('HIT');
    expect(second.queries).toBe(0);
    await shop.http().get('/products/999999/recommendations').expect(404);
  });
});

describe('orders (write-behind, idempotent by order id)', () => {
  it('accepts an order at once and writes it to the database behind the request', async () => {
    const stockBefore = stockInDb(11);
    const placed = await shop
      .http()
      .post('/orders')
      .send({ id: 'e2e-order-0001', productId: 11, quantity: 2 })
      .expect(202);
    expect(placed.body).toMatchObject({
      created: true,
      order: { id: 'e2e-order-0001', productId: 11, quantity: 2 },
    });
    expect(stockInDb(11)).toBe(stockBefore - 2);
    // Readable at once (the write-behind cached it), in the database shortly after.
    const read = await shop.http().get('/orders/e2e-order-0001').expect(200);
    expect(read.body).toEqual(placed.body.order);
    const row = await eventually(
      () =>
        readDatabase(shop.config.sqliteFile, (db) =>
          db.prepare("SELECT * FROM orders WHERE id = 'e2e-order-0001'").get(),
        ),
      (found) => found !== undefined,
      { what: 'the order row' },
    );
    expect(row).toMatchObject({
      product_id: 11,
      quantity: 2,
      total_cents: placed.body.order.totalCents,
    });
    const live = await shop.live();
    expect(live.writeBehind?.enqueued).toBeGreaterThanOrEqual(1);
    expect(live.writeBehind?.persisted).toBeGreaterThanOrEqual(1);
  });

  it('returns the first order when the same id is placed again, and writes one row', async () => {
    const placeAgain = () =>
      shop
        .http()
        .post('/orders')
        .send({ id: 'e2e-order-0001', productId: 11, quantity: 5 })
        .expect(200);
    const again = await placeAgain();
    expect(again.body).toMatchObject({ created: false, order: { quantity: 2 } });
    await shop.cache.del('order:e2e-order-0001'); // from the database this time
    await placeAgain();
    const rows = readDatabase(shop.config.sqliteFile, (db) =>
      db.prepare("SELECT COUNT(*) AS n FROM orders WHERE id = 'e2e-order-0001'").get(),
    );
    expect(rows).toEqual({ n: 1 });
    // Placed longer ago than its claim lasts (a day): the reservation refuses the id the database
    // has, so the stock is not taken twice and the first order is returned.
    const stock = stockInDb(11);
    await redis.del(`${dataPrefixOf(shop.config)}:order-claim:e2e-order-0001`);
    await shop.cache.del('order:e2e-order-0001');
    const late = await placeAgain();
    expect(late.body).toMatchObject({ created: false, order: { quantity: 2 } });
    expect(stockInDb(11)).toBe(stock);
  });

  it('refuses an order beyond the stock with 409, and the id stays usable', async () => {
    await shop.http().put('/admin/products/12/stock').send({ stock: 1 }).expect(200);
    const refused = await shop
      .http()
      .post('/orders')
      .send({ id: 'e2e-order-0002', productId: 12, quantity: 3 })
      .expect(409);
    expect(refused.body.message).toBe('product 12 has fewer than 3 units in stock');
    await shop.http().get('/orders/e2e-order-0002').expect(404);
    await shop.http().put('/admin/products/12/stock').send({ stock: 10 }).expect(200);
    await shop
      .http()
      .post('/orders')
      .send({ id: 'e2e-order-0002', productId: 12, quantity: 3 })
      .expect(202);
    await shop.http().post('/orders').send({ productId: 999999 }).expect(404);
  });

  it('picks an id when the client sends none', async () => {
    const placed = await shop.http().post('/orders').send({ productId: 13 }).expect(202);
    expect(placed.body.order.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(placed.body.order.quantity).toBe(1);
  });
});

describe('carts (Redis hashes)', () => {
  it('adds, lists and removes items, kept in a Redis hash that expires', async () => {
    const cart = 'cart-e2e-0001';
    await shop.http().post(`/carts/${cart}/items`).send({ productId: 21, quantity: 2 }).expect(201);
    const added = await shop
      .http()
      .post(`/carts/${cart}/items`)
      .send({ productId: 22 })
      .expect(201);
    const { body: p21 } = await shop.http().get('/products/21');
    const { body: p22 } = await shop.http().get('/products/22');
    expect(added.body).toEqual({
      id: cart,
      lines: [
        {
          productId: 21,
          name: p21.name,
          quantity: 2,
          unitCents: p21.price_cents,
          lineCents: 2 * p21.price_cents,
        },
        {
          productId: 22,
          name: p22.name,
          quantity: 1,
          unitCents: p22.price_cents,
          lineCents: p22.price_cents,
        },
      ],
      totalCents: 2 * p21.price_cents + p22.price_cents,
    });
    // The shop's own data, outside the cache namespace (clearing the cache keeps carts).
    const key = `${shop.config.namespace}-data:cart:${cart}`;
    expect(await redis.hgetall(key)).toEqual({ '21': '2', '22': '1' });
    expect(await redis.ttl(key)).toBeGreaterThan(6 * 86_400);

    const removed = await shop.http().delete(`/carts/${cart}/items/21`).expect(200);
    expect(removed.body.lines.map((line: { productId: number }) => line.productId)).toEqual([22]);
    await shop.http().delete(`/carts/${cart}/items/21`).expect(404);
    expect((await shop.http().get(`/carts/${cart}`).expect(200)).body.totalCents).toBe(
      p22.price_cents,
    );
    expect((await shop.http().get('/carts/cart-e2e-empty').expect(200)).body).toEqual({
      id: 'cart-e2e-empty',
      lines: [],
      totalCents: 0,
    });
    await shop.http().post(`/carts/${cart}/items`).send({ productId: 999999 }).expect(404);
  });
});

describe('trending products (sorted set, ZINCRBY)', () => {
  it('ranks products by views of the day', async () => {
    for (const [id, views] of [
      [31, 3],
      [32, 5],
      [33, 1],
    ])
      for (let i = 0; i < views; i++) await shop.http().get(`/products/${id}`).expect(200);
    const key = `${shop.config.namespace}-data:trending:${new Date().toISOString().slice(0, 10)}`;
    await eventually(
      () => redis.zscore(key, '33'),
      (score) => score === '1',
      { what: 'the view counts' },
    );
    const { body } = await shop.http().get('/trending?limit=50').expect(200);
    const ranked = body.map((t: { product: { id: number }; views: number }) => [
      t.product.id,
      t.views,
    ]);
    const at = (id: number) => ranked.findIndex(([rankedId]: number[]) => rankedId === id);
    expect(ranked[at(32)]).toEqual([32, 5]);
    expect(ranked[at(31)]).toEqual([31, 3]);
    expect(at(32)).toBeLessThan(at(31));
    expect(at(31)).toBeLessThan(at(33));
    expect((await shop.http().get('/trending?limit=1').expect(200)).body).toHaveLength(1);
  });

  it('counts a view with one Redis command, the day set expiring after two days', async () => {
    const key = `${shop.config.namespace}-data:trending:${new Date().toISOString().slice(0, 10)}`;
    await shop.http().get('/products/34').expect(200); // cached (and counted) before watching
    const monitor = await redis.monitor();
    const sent: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.includes(key)) sent.push(args[0].toLowerCase());
    });
    try {
      for (let i = 0; i < 10; i++) await shop.http().get('/products/34').expect(200);
      await eventually(
        async () => sent.filter((command) => command === 'zincrby').length,
        (zincrbys) => zincrbys === 10,
        { what: 'the ZINCRBYs seen by MONITOR' },
      );
    } finally {
      monitor.disconnect();
    }
    const commands = [...sent]; // before this test's own reads below
    expect(await redis.zscore(key, '34')).toBe('11');
    // The expiry is renewed once a minute, not per view: at most one EXPIRE in these ten views.
    expect(commands.filter((command) => command !== 'zincrby' && command !== 'expire')).toEqual([]);
    expect(commands.filter((command) => command === 'expire').length).toBeLessThanOrEqual(1);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(2 * 86_400 - 120);
    expect(ttl).toBeLessThanOrEqual(2 * 86_400);
  });
});

describe('observability routes', () => {
  it('GET /cache/stats reports hits and misses, per handler and per method', async () => {
    const { body } = await shop.http().get('/cache/stats').expect(200);
    expect(body.hits).toBeGreaterThan(0);
    expect(body.misses).toBeGreaterThan(0);
    expect(body.handlers['ProductsController#findOne'].hits).toBeGreaterThan(0);
    expect(body.methods['ProductsService.findOne'].misses).toBeGreaterThan(0);
    expect(body.redis.available).toBe(true);
  });

  it('GET /metrics serves Prometheus text with the database query counter', async () => {
    const response = await shop.http().get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.text).toMatch(/^shop_db_queries_total\{kind="select"\} [1-9]\d*$/m);
    expect(response.text).toMatch(/^redis_keyspace_hits_total\{namespace="[^"]+"\} \d+$/m);
    expect(response.text).toContain('# TYPE shop_db_queries_total counter');
  });

  it('GET /dashboard/data charges each shop request and its queries to its route', async () => {
    const route = (stats: LiveStats, name: string) =>
      stats.http.routes[name] ?? { requests: 0, busyMs: 0, queries: 0, databaseMs: 0 };
    const before = await shop.live();
    await shop.http().get('/products/77').expect(200); // a miss: the product's query
    await shop.http().get('/products/77').expect(200); // a hit
    await shop.http().get('/products/abc').expect(400); // rejected, still the product page's
    await shop.http().get('/no-such-page').expect(404); // no shop route: not counted
    await shop.http().get('/metrics').expect(200); // the dashboard's own: not counted
    const after = await shop.live();
    const [page, pageBefore] = [after, before].map((s) => route(s, 'ProductsController#findOne'));
    expect(page.requests - pageBefore.requests).toBe(3);
    expect(page.queries - pageBefore.queries).toBe(1);
    expect(page.databaseMs).toBeGreaterThan(pageBefore.databaseMs);
    expect(page.busyMs).toBeGreaterThan(pageBefore.busyMs);
    expect(after.http.requests - before.http.requests).toBe(3);
    expect(
      Object.keys(after.http.routes).filter((name) => /Observability|Dashboard/.test(name)),
    ).toEqual([]);
  });

  it('serves listing hits where Express calls the route (the meter is no guard) and meters them', async () => {
    const intercept = vi.spyOn(CacheResponseInterceptor.prototype, 'intercept');
    try {
      const brands = (stats: LiveStats) =>
        stats.http.routes['ProductsController#brands']?.requests ?? 0;
      const before = await shop.live();
      await shop.http().get('/brands').expect(200); // a miss or a hit: at most one pipeline run
      const calls = intercept.mock.calls.length;
      const hit = await shop.http().get('/brands').expect(200);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(intercept.mock.calls.length).toBe(calls); // no interceptor pipeline for the hit
      expect(brands(await shop.live()) - brands(before)).toBe(2);
    } finally {
      intercept.mockRestore();
    }
  });

  it('GET /dashboard/data has what the charts plot; / leads to the dashboard', async () => {
    // The orders placed above are all written by now: the backlog drains to zero.
    const live = await eventually(
      () => shop.live(),
      (stats) => stats.writeBehind?.depth === 0,
      { what: 'an empty write-behind backlog' },
    );
    expect(live.cache.enabled).toBe(true);
    expect(live.database).toMatchObject({ dialect: 'sqlite' });
    expect(live.database.byKind.insert).toBeGreaterThan(0);
    expect(live.redisKeyspace?.hits).toBeGreaterThan(0);
    expect(live.writeBehind).toMatchObject({ deadLetters: 0, pending: 0 });
    const page = await shop.http().get('/dashboard').expect(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('data-chart="hit-ratio"');
    await shop.http().get('/').expect(302).expect('Location', '/dashboard');
  });
});
