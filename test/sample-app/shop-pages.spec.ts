// The shop's pages on both of its databases (SQLite in a temporary file, PostgreSQL in a database
// of its own on the machine's server), each on the suite's Redis: the product page's joins and
// review aggregate, the catalogue listing and search (filter, sort, paginate, count), the brand
// directory and co-purchase recommendations, each checked against the database itself, then
// cached, tagged and evicted as a user would check it (X-Cache, queries sent, what Redis holds).
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { rawRedis } from '../support/raw-redis.js';
import {
  readDatabase,
  startShop,
  TempDir,
  TempPgDatabase,
  type InProcessShop,
} from './support/shop-harness.js';

interface Database {
  /** Rows of a query on the shop's database ($1, $2... placeholders on both). */
  query<T extends object>(text: string, values?: unknown[]): Promise<T[]>;
}

interface ListedProduct {
  id: number;
  name: string;
  category: string;
  brand: string;
  price_cents: number;
  rating_avg: number;
  review_count: number;
  created_at: string;
}

/** The best seller of the seeded catalogue (first of its popularity ranking). */
const BEST_SELLER = 432;

describe.each(['sqlite', 'postgres'] as const)('shop pages on %s', (dialect) => {
  let dir: TempDir;
  let pgDatabase: TempPgDatabase | undefined;
  let shop: InProcessShop;
  let db: Database;
  let redis: Redis;

  beforeAll(async () => {
    dir = new TempDir();
    redis = rawRedis();
    if (dialect === 'postgres') {
      pgDatabase = await TempPgDatabase.create();
      shop = await startShop(dir.file('unused.db'), { databaseUrl: pgDatabase.url });
      db = pgDatabase;
    } else {
      shop = await startShop(dir.file('shop.db'));
      db = {
        query: async <T extends object>(text: string, values: unknown[] = []) =>
          readDatabase(shop.config.sqliteFile, (sqlite) =>
            sqlite.prepare(text.replace(/\$\d+/g, '?')).all(...values),
          ) as T[],
      };
    }
  }, 240_000);

  afterAll(async () => {
    await shop?.close();
    await pgDatabase?.drop();
    await redis?.quit();
    dir?.dispose();
  });

  async function counted<T>(send: () => PromiseLike<T>): Promise<{ response: T; queries: number }> {
    const before = await shop.queries();
    const response = await send();
    return { response, queries: (await shop.queries()) - before };
  }

  async function one<T extends object>(text: string, values: unknown[] = []): Promise<T> {
    const [row] = await db.query<T>(text, values);
    return row;
  }

  it('seeds 10,000 products with brands, categories, 200,000 reviews and 40,000 past orders', async () => {
    const count = async (table: string) =>
      Number((await one<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`)).n);
    expect(await count('products')).toBe(10_000);
    expect(await count('brands')).toBe(12);
    expect(await count('categories')).toBe(12);
    expect(await count('reviews')).toBe(200_000);
    expect(await count('orders')).toBe(40_000);
    expect(await count('order_items')).toBeGreaterThan(60_000);
    expect(await count('product_categories')).toBeGreaterThan(10_000);
    // Popular products have far more reviews than the long tail.
    const best = await one<{ n: number | string }>(
      'SELECT COUNT(*) AS n FROM reviews WHERE product_id = $1',
      [BEST_SELLER],
    );
    expect(Number(best.n)).toBeGreaterThan(1000);
  });

  describe('product page (joins, review aggregate, L1)', () => {
    it('joins product, brand, categories, stock and the review aggregate in one query, then hits', async () => {
      const first = await counted(() => shop.http().get(`/products/${BEST_SELLER}`).expect(200));
      expect(first.response.headers['x-cache']).toBe('MISS');
      expect(first.queries).toBe(1);
      const page = first.response.body;
      const product = await one<{ category: string; brand: string; stock: number }>(
        'SELECT category, brand, stock FROM products WHERE id = $1',
        [BEST_SELLER],
      );
      const brand = await one<{ country: string; founded: number }>(
        'SELECT country, founded FROM brands WHERE name = $1',
        [product.brand],
      );
      const reviews = await one<{ average: number | string; n: number | string }>(
        'SELECT AVG(rating) AS average, COUNT(*) AS n FROM reviews WHERE product_id = $1',
        [BEST_SELLER],
      );
      const categories = await db.query<{ category: string }>(
        'SELECT category FROM product_categories WHERE product_id = $1',
        [BEST_SELLER],
      );
      expect(page).toMatchObject({
        id: BEST_SELLER,
        sku: 'SKU-000432',
        category: product.category,
        brand: product.brand,
        brand_country: brand.country,
        brand_founded: brand.founded,
        stock: product.stock,
        review_count: Number(reviews.n),
      });
      expect(page.rating_average).toBeCloseTo(Number(reviews.average), 2);
      expect(page.categories[0]).toBe(product.category);
      expect([...page.categories].sort()).toEqual(categories.map((row) => row.category).sort());

      const second = await counted(() => shop.http().get(`/products/${BEST_SELLER}`).expect(200));
      expect(second.response.headers['x-cache']).toBe('HIT');
      expect(second.queries).toBe(0);
      expect(second.response.body).toEqual(page);
    });

    it('shows a new stock level at once after a stock update or an order', async () => {
      await shop.http().get('/products/77').expect(200);
      expect((await shop.http().get('/products/77')).headers['x-cache']).toBe('HIT');
      await shop.http().put('/admin/products/77/stock').send({ stock: 42 }).expect(200);
      const updated = await shop.http().get('/products/77').expect(200);
      expect(updated.headers['x-cache']).toBe('MISS');
      expect(updated.body.stock).toBe(42);
    });
  });

  describe('catalogue listing and search (GET /products)', () => {
    it('filters by category, sorts by price, paginates and counts', async () => {
      const first = await counted(() =>
        shop.http().get('/products?category=audio&sort=price&limit=10').expect(200),
      );
      expect(first.response.headers['x-cache']).toBe('MISS');
      expect(first.queries).toBe(1); // the page with its count (a window over the matching rows)
      const listing = first.response.body;
      const total = await one<{ n: number | string }>(
        "SELECT COUNT(*) AS n FROM products WHERE category = 'audio'",
      );
      expect(listing).toMatchObject({
        total: Number(total.n),
        page: 1,
        limit: 10,
        pages: Math.ceil(Number(total.n) / 10),
        sort: 'price',
      });
      const items = listing.items as ListedProduct[];
      expect(items).toHaveLength(10);
      expect(items.every((item) => item.category === 'audio')).toBe(true);
      const prices = items.map((item) => item.price_cents);
      expect(prices).toEqual([...prices].sort((a, b) => a - b));
      const cheapest = await db.query<{ id: number }>(
        "SELECT id FROM products WHERE category = 'audio' ORDER BY price_cents, id LIMIT 20",
      );
      expect(items.map((item) => item.id)).toEqual(cheapest.slice(0, 10).map((row) => row.id));
      const page2 = await shop.http().get('/products?category=audio&sort=price&limit=10&page=2');
      expect(page2.body.items.map((item: ListedProduct) => item.id)).toEqual(
        cheapest.slice(10, 20).map((row) => row.id),
      );
      // A page past the end has no rows to carry the count: it is counted on its own.
      const pastEnd = await counted(() =>
        shop.http().get('/products?category=audio&sort=price&limit=10&page=500').expect(200),
      );
      expect(pastEnd.queries).toBe(2);
      expect(pastEnd.response.body).toMatchObject({ items: [], total: Number(total.n), page: 500 });

      const again = await counted(() =>
        shop.http().get('/products?limit=10&sort=price&category=audio').expect(200),
      );
      expect(again.response.headers['x-cache']).toBe('HIT');
      expect(again.queries).toBe(0);
      expect(again.response.body).toEqual(listing);
      // Cached whole (@CacheResponse): the stored bytes carry an ETag a browser revalidates with.
      const etag = again.response.headers.etag;
      expect(etag).toMatch(/^"/);
      await shop
        .http()
        .get('/products?category=audio&sort=price&limit=10')
        .set('If-None-Match', etag)
        .expect(304);
      // Unknown parameters make no new entry.
      expect(
        (await shop.http().get('/products?category=audio&sort=price&limit=10&utm=x')).headers[
          'x-cache'
        ],
      ).toBe('HIT');
    });

    it('sorts by rating and by date, filters by brand', async () => {
      const rated = (await shop.http().get('/products?brand=Wonka&sort=rating').expect(200)).body;
      const ratings = rated.items.map((item: ListedProduct) => item.rating_avg);
      expect(ratings).toEqual([...ratings].sort((a, b) => b - a));
      expect(rated.items.every((item: ListedProduct) => item.brand === 'Wonka')).toBe(true);
      const newest = (await shop.http().get('/products?brand=Wonka&sort=newest').expect(200)).body;
      const dates = newest.items.map((item: ListedProduct) => item.created_at);
      expect(dates).toEqual([...dates].sort().reverse());
      const both = (await shop.http().get('/products?brand=Wonka&category=toys').expect(200)).body;
      expect(both.total).toBeGreaterThan(0);
      expect(
        both.items.every(
          (item: ListedProduct) => item.brand === 'Wonka' && item.category === 'toys',
        ),
      ).toBe(true);
    });

    it('searches name and description for every word', async () => {
      const found = (
        await shop.http().get('/products?q=Waterproof%20%20Kitchen&limit=100').expect(200)
      ).body;
      expect(found.total).toBeGreaterThan(0);
      const ids = found.items.map((item: ListedProduct) => item.id);
      const rows = await db.query<{ name: string; description: string }>(
        `SELECT name, description FROM products WHERE id IN (${ids.join(', ')})`,
      );
      for (const row of rows) {
        const text = `${row.name} ${row.description}`.toLowerCase();
        expect(text).toContain('waterproof');
        expect(text).toContain('kitchen');
      }
      // Case and spacing do not make another entry.
      expect(
        (await shop.http().get('/products?q=waterproof%20kitchen&limit=100')).headers['x-cache'],
      ).toBe('HIT');
      // Wildcards are text, not patterns.
      expect((await shop.http().get('/products?q=%25').expect(200)).body.total).toBe(0);
    });

    it('refuses bad parameters before any query, and never stores the refusal', async () => {
      const before = await shop.live();
      for (const [url, status, message] of [
        [
          '/products?sort=cheapest',
          400,
          /^sort must be one of featured, price, price_desc, rating, newest/,
        ],
        ['/products?limit=0', 400, /^limit must be an integer from 1 to 100/],
        ['/products?page=501', 400, /^page must be an integer from 1 to 500/],
        [`/products?q=${'a'.repeat(101)}`, 400, /^q must be at most 100 characters/],
        ['/products?q=a&q=b', 400, /^q must be given once/],
        ['/products?category=spaceships', 404, /^unknown category "spaceships"/],
      ] as const) {
        for (let i = 0; i < 2; i++) {
          const response = await shop.http().get(url);
          expect(response.status, url).toBe(status);
          expect(response.body.message, url).toMatch(message);
          expect(response.headers['x-cache'], url).not.toBe('HIT');
        }
      }
      const after = await shop.live();
      expect(after.database.queries).toBe(before.database.queries);
    });

    it('is evicted by the admin price update (price_cents, as the responses name it)', async () => {
      const { body: product } = await shop.http().get('/products/40').expect(200);
      const byCategory = `/products?category=${product.category}&sort=price&limit=100`;
      const byBrand = `/products?brand=${product.brand}&limit=100`;
      const search = `/products?q=${product.brand.toLowerCase()}`;
      const other = `/products?category=${product.category === 'books' ? 'toys' : 'books'}`;
      for (const url of [byCategory, byBrand, search, other])
        await shop.http().get(url).expect(200);
      for (const url of [byCategory, byBrand, search, other])
        expect((await shop.http().get(url)).headers['x-cache'], url).toBe('HIT');

      const updated = await shop
        .http()
        .put('/admin/products/40/price')
        .send({ price_cents: 1 })
        .expect(200);
      expect(updated.body).toMatchObject({ id: 40, price_cents: 1 });
      const listing = await shop.http().get(byCategory);
      expect(listing.headers['x-cache']).toBe('MISS');
      expect(listing.body.items[0]).toMatchObject({ id: 40, price_cents: 1 });
      expect((await shop.http().get(byBrand)).headers['x-cache']).toBe('MISS');
      expect((await shop.http().get(search)).headers['x-cache']).toBe('MISS');
      expect((await shop.http().get(other)).headers['x-cache']).toBe('HIT');
      expect((await shop.http().get('/products/40').expect(200)).body.price_cents).toBe(1);

      // The old field name is still accepted; both at once is refused.
      await shop.http().put('/admin/products/40/price').send({ priceCents: 2 }).expect(200);
      const both = await shop
        .http()
        .put('/admin/products/40/price')
        .send({ priceCents: 2, price_cents: 2 })
        .expect(400);
      expect(both.body.message).toBe('send price_cents or priceCents, not both');
    });
  });

  it('lists brands with their product counts, cached', async () => {
    const first = await counted(() => shop.http().get('/brands').expect(200));
    expect(first.response.body).toHaveLength(12);
    expect(
      first.response.body.reduce(
        (sum: number, brand: { products: number }) => sum + brand.products,
        0,
      ),
    ).toBe(10_000);
    expect(first.response.body[0]).toMatchObject({ name: 'Acme', country: expect.any(String) });
    const second = await counted(() => shop.http().get('/brands').expect(200));
    expect(second.response.headers['x-cache']).toBe('HIT');
    expect(second.queries).toBe(0);
  });

  it('recommends what was bought together, counted over every order', async () => {
    const first = await counted(() =>
      shop.http().get(`/products/${BEST_SELLER}/recommendations`).expect(200),
    );
    expect(first.queries).toBe(1);
    const recommended = first.response.body as { id: number; ordered: number; category: string }[];
    expect(recommended).toHaveLength(6);
    const top = recommended[0];
    const together = await one<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM order_items a JOIN order_items b ON b.order_id = a.order_id
       WHERE a.product_id = $1 AND b.product_id = $2`,
      [BEST_SELLER, top.id],
    );
    expect(top.ordered).toBe(Number(together.n));
    expect(top.ordered).toBeGreaterThan(10);
    const counts = recommended.map((r) => r.ordered);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    const second = await counted(() =>
      shop.http().get(`/products/${BEST_SELLER}/recommendations`).expect(200),
    );
    expect(second.response.headers['x-cache']).toBe('HIT');
    expect(second.queries).toBe(0);
  });

  it('keeps carts outside the cache namespace: clearing the cache keeps them', async () => {
    const cart = `cart-pages-${dialect}`;
    await shop.http().post(`/carts/${cart}/items`).send({ productId: 5, quantity: 3 }).expect(201);
    const key = `${shop.config.namespace}-data:cart:${cart}`;
    expect(await redis.hgetall(key)).toEqual({ '5': '3' });
    await shop.cache.clear();
    expect(await redis.hgetall(key)).toEqual({ '5': '3' });
    const { body } = await shop.http().get(`/carts/${cart}`).expect(200);
    expect(body.lines).toMatchObject([{ productId: 5, quantity: 3 }]);
  });

  it('runs without the cache when the dashboard switches it off, and with it again', async () => {
    const listing = '/products?brand=Acme&sort=newest&limit=5';
    await shop.http().get('/products/90').expect(200);
    await shop.http().get(listing).expect(200);
    expect((await shop.http().get(listing)).headers['x-cache']).toBe('HIT');
    await shop
      .http()
      .put('/dashboard/caching')
      .send({ enabled: false })
      .expect(200, { enabled: false });
    try {
      for (let i = 0; i < 2; i++) {
        const uncached = await counted(() => shop.http().get('/products/90').expect(200));
        expect(uncached.queries).toBe(1);
        expect(uncached.response.headers['x-cache']).toBeUndefined();
        // The listing is cached whole (@CacheResponse): its `condition` reads the same switch.
        const uncachedListing = await counted(() => shop.http().get(listing).expect(200));
        expect(uncachedListing.queries).toBeGreaterThan(0);
        expect(uncachedListing.response.headers['x-cache']).toBeUndefined();
      }
      expect((await shop.live()).cache.enabled).toBe(false);
    } finally {
      await shop.http().put('/dashboard/caching').send({ enabled: true }).expect(200);
    }
    expect((await shop.http().get('/products/90')).headers['x-cache']).toBe('HIT');
    expect((await shop.http().get(listing)).headers['x-cache']).toBe('HIT');
    await shop.http().put('/dashboard/caching').send({ enabled: 'no' }).expect(400);
  });
});

describe('DB_LATENCY_MS and the bounded pool', () => {
  let pgDatabase: TempPgDatabase;
  let dir: TempDir;
  let shop: InProcessShop;

  beforeAll(async () => {
    dir = new TempDir();
    pgDatabase = await TempPgDatabase.create();
    // The catalogue is seeded by a first start; the measured shop then opens it as it is.
    const seeding = await startShop(dir.file('unused.db'), { databaseUrl: pgDatabase.url });
    await seeding.close();
    shop = await startShop(dir.file('unused.db'), {
      databaseUrl: pgDatabase.url,
      dbLatencyMs: 100,
      dbPoolMax: 2,
    });
  }, 240_000);

  afterAll(async () => {
    await shop?.close();
    await pgDatabase?.drop();
    dir?.dispose();
  });

  it('adds the latency to every query and queues queries beyond the pool', async () => {
    const before = await shop.live();
    expect(before.database).toMatchObject({ addedLatencyMs: 100, poolMax: 2 });
    const started = Date.now();
    // Six uncached product pages at once: two connections, 100 ms each, so three rounds.
    await Promise.all(
      [101, 102, 103, 104, 105, 106].map((id) => shop.http().get(`/products/${id}`).expect(200)),
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(300);
    const after = await shop.live();
    expect(after.database.queries - before.database.queries).toBe(6);
    // Waiting for a connection counts as database time: 100 + 200 + 300 ms per pair at least.
    expect(after.database.busyMs - before.database.busyMs).toBeGreaterThanOrEqual(2 * 600 - 20);
    // Cached pages do not wait for the database.
    await shop.http().get('/products/101').expect(200).expect('X-Cache', 'HIT');
    expect((await shop.live()).database.queries).toBe(after.database.queries);
  });

  it('keeps serving when PostgreSQL ends its idle connections (a restart, an operator)', async () => {
    await shop.http().get('/products/107').expect(200); // the pool holds idle connections now
    const ended = await pgDatabase.query<{ pid: number }>(
      `SELECT pid, pg_terminate_backend(pid) AS ended FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [pgDatabase.name],
    );
    expect(ended.length).toBeGreaterThan(0);
    // pg_terminate_backend only signals: on a loaded machine a request sent at once can still be
    // handed a connection whose server process is ending. Once the processes are gone, the pool
    // has been told its idle connections ended, as after a restart.
    await eventually(
      async () =>
        (
          await pgDatabase.query<{ n: number }>(
            'SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1::int[])',
            [ended.map((row) => row.pid)],
          )
        )[0].n,
      (alive) => alive === 0,
      { timeoutMs: 5_000, what: 'the terminated PostgreSQL backends to exit' },
    );
    // An uncached page needs a new connection; the ended ones were no uncaught exception.
    await shop.http().get('/products/108').expect(200).expect('X-Cache', 'MISS');
  });
});
