// The README's Guide, as written: every ```ts block under "## Guide" is read from README.md,
// written out as an app's files, type-checked, and run on a Redis of its own, checking what the
// text around it promises (what is cached, what a put refreshes, what an eviction removes).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheService } from '../../lib/index.js';
import { ManualClock } from '../../lib/testing/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { createHttpCacheApp, type HttpCacheApp } from '../support/http-cache-app.js';
import { rawRedis } from '../support/raw-redis.js';
import {
  importBlock,
  readmeBlocks,
  REPOSITORY_ROOT,
  typeCheck,
  writeBlocks,
} from '../support/readme-blocks.js';
import { RedisServer } from '../support/redis-server.js';

const DIR = join(REPOSITORY_ROOT, 'test-artifacts', `readme-guide-${process.pid}`);
const blocks = readmeBlocks('Guide');

interface Product {
  id: number;
  name: string;
  category: string;
  price: number;
}

interface Repository {
  find(id: number): Promise<Product | null>;
  save(product: Product): Promise<Product>;
}

/** The exports of the block(s) under `heading` (the `index`th one), as the README's files. */
function block(heading: string, index = 0): Promise<Record<string, Type>> {
  const found = blocks.filter((b) => b.heading === heading)[index];
  if (!found) throw new Error(`README.md's Guide has no block ${index + 1} under "### ${heading}"`);
  return importBlock<Record<string, Type>>(DIR, found.file);
}

/** The blocks the scenarios below run, by heading: a new block needs a scenario. */
const RUN = {
  'Register the module': 2,
  'Inject the cache': 1,
  'Cache a route': 2,
  'Cache a whole HTTP response': 1,
  'Cache a method': 1,
  'Adaptive factories': 1,
  'Named caches': 1,
  'Async configuration': 1,
  'Without Nest': 1,
  Testing: 3,
};

let redis: RedisServer;
const environment = { REDIS_URL: process.env.REDIS_URL };
const apps: { close(): Promise<void> }[] = [];

writeBlocks(blocks, DIR);

beforeAll(async () => {
  redis = await RedisServer.start();
  // The blocks connect where an app's would: REDIS_URL (the Testing blocks start Redis servers of
  // their own, with nestjs-redis-cache/testing).
  process.env.REDIS_URL = redis.url;
});

afterAll(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const [name, value] of Object.entries(environment)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await redis?.dispose();
  rmSync(DIR, { recursive: true, force: true });
});

// The Testing section's blocks are test files: their tests run here, as Vitest runs them in an app.
for (const { file } of blocks.filter((b) => b.heading === 'Testing')) await importBlock(DIR, file);

async function cacheApp(options: Parameters<typeof createCacheApp>[0]): Promise<CacheApp> {
  const app = await createCacheApp({ ...options, cache: { url: redis.url } });
  apps.push(app);
  return app;
}

async function httpApp(options: Parameters<typeof createHttpCacheApp>[0]): Promise<HttpCacheApp> {
  const app = await createHttpCacheApp({ ...options, cache: { url: redis.url } });
  apps.push(app);
  return app;
}

describe('README Guide', () => {
  it('has a scenario below for every block', () => {
    const counts: Record<string, number> = {};
    for (const { heading } of blocks) counts[heading] = (counts[heading] ?? 0) + 1;
    expect(counts).toEqual(RUN);
  });

  it('type-checks as written', async () => {
    expect(
      await typeCheck(
        DIR,
        blocks.map((b) => b.file),
      ),
    ).toBe('');
  }, 180_000);

  it('Register the module: forRoot connects to REDIS_URL, in its namespace, with its TTL', async () => {
    const { AppModule } = await block('Register the module');
    const module = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await module.init();
    apps.push(module);
    await module.get(RedisCacheService).set('greeting', 'hello');
    const client = rawRedis(redis.url);
    try {
      expect(await client.exists('shop:greeting')).toBe(1);
      expect(await client.pttl('shop:greeting')).toBeGreaterThan(3_500_000); // ttl: '1h'
    } finally {
      client.disconnect();
    }
  });

  it('Register the module: with isGlobal false, the re-exporting module gives the cache', async () => {
    const { OrdersModule, OrdersService } = await block('Register the module', 1);
    const module = await Test.createTestingModule({ imports: [OrdersModule] }).compile();
    await module.init();
    apps.push(module);
    const orders = module.get<{ cache: RedisCacheService }>(OrdersService);
    await orders.cache.set('order:1', { total: 42 });
    expect(await orders.cache.get('order:1')).toEqual({ total: 42 });
  });

  it('Async configuration: forRootAsync takes the options from an injected provider', async () => {
    const { AppModule } = await block('Async configuration');
    const module = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await module.init();
    apps.push(module);
    await module.get(RedisCacheService).set('configured', true);
    const client = rawRedis(redis.url);
    try {
      expect(await client.exists('shop:configured')).toBe(1);
    } finally {
      client.disconnect();
    }
  });

  it('Without Nest: createRedisCache computes once, then serves from Redis, and closes', async () => {
    const { refreshPrice } = (await block('Without Nest')) as unknown as {
      refreshPrice(id: number, fetchPrice: (id: number) => Promise<number>): Promise<number>;
    };
    let fetched = 0;
    const fetchPrice = async (id: number) => id * 10 + ++fetched;
    expect(await refreshPrice(4, fetchPrice)).toBe(41);
    expect(await refreshPrice(4, fetchPrice)).toBe(41);
    expect(fetched).toBe(1);
    const client = rawRedis(redis.url);
    try {
      expect(await client.exists('prices:price:4')).toBe(1);
    } finally {
      client.disconnect();
    }
  });

  it('Inject the cache: set with tags, get, invalidate, getOrSet once', async () => {
    const { UsersService } = await block('Inject the cache');
    const app = await cacheApp({ providers: [UsersService] });
    const users = app.get<{
      remember(user: { id: number; name: string }): Promise<void>;
      recall(id: number): Promise<unknown>;
      dailyReport(): Promise<string>;
    }>(UsersService);
    expect(await users.recall(1)).toBeUndefined();
    await users.remember({ id: 1, name: 'Ada' });
    expect(await users.recall(1)).toEqual({ id: 1, name: 'Ada' });
    await app.cache.invalidateTags('user:1');
    expect(await users.recall(1)).toBeUndefined();
    const report = await users.dailyReport();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await users.dailyReport()).toBe(report);
  });

  it('Cache a route: GET /products/1 is served from the cache until its tag is invalidated', async () => {
    const { ProductsRepository } = await block('Cache a route', 0);
    const { ProductsController } = await block('Cache a route', 1);
    const app = await httpApp({
      controllers: [ProductsController],
      providers: [ProductsRepository],
    });
    const teapot = { id: 1, name: 'Teapot', category: 'kitchen', price: 1999 };
    expect((await app.http().get('/products/1').expect(200)).body).toEqual(teapot);
    // The database changes behind the cache's back: the route still answers from the cache.
    await app.get<Repository>(ProductsRepository).save({ ...teapot, price: 1499 });
    expect((await app.http().get('/products/1').expect(200)).body).toEqual(teapot);
    await app.cache.invalidateTags('product:1');
    expect((await app.http().get('/products/1').expect(200)).body).toEqual({
      ...teapot,
      price: 1499,
    });
  });

  it('Cache a whole HTTP response: the same bytes with ETag and Age, 304, until invalidated', async () => {
    const { ProductsRepository } = await block('Cache a route', 0);
    const { CatalogController } = await block('Cache a whole HTTP response');
    const app = await httpApp({
      controllers: [CatalogController],
      providers: [ProductsRepository],
    });
    const first = await app.http().get('/catalog?category=kitchen').expect(200);
    expect((first.body as Product[]).map((p) => p.name)).toEqual(['Teapot', 'Kettle']);
    await app
      .get<Repository>(ProductsRepository)
      .save({ id: 3, name: 'Whisk', category: 'kitchen', price: 499 });
    const hit = await app.http().get('/catalog?category=kitchen').expect(200);
    expect(hit.text).toBe(first.text);
    expect(hit.headers.age).toBeDefined();
    expect(hit.headers.etag).toBe(first.headers.etag);
    await app
      .http()
      .get('/catalog?category=kitchen')
      .set('if-none-match', String(first.headers.etag))
      .expect(304);
    await app.cache.invalidateTags('products');
    const fresh = await app.http().get('/catalog?category=kitchen').expect(200);
    expect((fresh.body as Product[]).map((p) => p.name)).toEqual(['Teapot', 'Kettle', 'Whisk']);
  });

  it('Named caches: sessions and pages in namespaces of their own, with their TTLs and stats', async () => {
    const { SessionsModule, SessionsService } = await block('Named caches');
    const app = await httpApp({ imports: [SessionsModule] });
    const { sessions } = app.get<{ sessions: RedisCacheService }>(SessionsService);
    const body = { id: 's1', roles: ['customer'] };
    expect((await app.http().get('/sessions/s1').expect(200)).body).toEqual(body);
    expect((await app.http().get('/sessions/s1').expect(200)).body).toEqual(body);
    // The page hit never reached the service: the sessions cache saw one lookup, a miss.
    expect(sessions.stats()).toMatchObject({ hits: 0, misses: 1 });
    expect(await sessions.get('session:s1')).toEqual(body);
    expect(await app.cache.get('session:s1')).toBeUndefined();
    const client = rawRedis(redis.url);
    try {
      const ttl = (key: string) => client.pttl(key);
      expect(await ttl(`${app.namespace}.sessions:session:s1`)).toBeGreaterThan(29 * 60_000);
      const [page, ...others] = await client.keys(`${app.namespace}.pages:*`);
      expect(others).toEqual([]);
      expect(await ttl(page!)).toBeGreaterThan(9 * 60_000);
      expect(await ttl(page!)).toBeLessThanOrEqual(10 * 60_000);
      expect(await client.keys(`${app.namespace}:*`)).toEqual([]);
    } finally {
      client.disconnect();
    }
    await app.get<{ logout(id: string): Promise<void> }>(SessionsService).logout('s1');
    expect(await sessions.get('session:s1')).toBeUndefined();
  });

  describe('Adaptive factories', () => {
    interface PricesService {
      priceList(): Promise<{ etag: string; prices: Record<string, number> }>;
      card(id: number): Promise<string | null>;
    }
    interface PriceListClient {
      version: number;
      fetch(etag?: string): Promise<unknown>;
    }

    async function start() {
      const { ProductsRepository } = await block('Cache a route', 0);
      const { PricesService, PriceListClient } = await block('Adaptive factories');
      const clock = new ManualClock();
      const app = await cacheApp({
        providers: [ProductsRepository, PricesService, PriceListClient],
        clock,
      });
      const client = app.get<PriceListClient>(PriceListClient);
      const asked: (string | undefined)[] = [];
      const fetch = client.fetch.bind(client);
      client.fetch = (etag) => (asked.push(etag), fetch(etag));
      return {
        app,
        clock,
        client,
        asked,
        prices: app.get<PricesService>(PricesService),
        repository: app.get<Repository>(ProductsRepository),
      };
    }

    it('the price list is revalidated by its ETag once stale, and replaced when it changed', async () => {
      const { app, clock, client, asked, prices } = await start();
      const v1 = { etag: 'v1', prices: { teapot: 2000 } };
      expect(await prices.priceList()).toEqual(v1);
      clock.advance(6 * 60_000);
      expect(await prices.priceList()).toEqual(v1);
      expect(asked).toEqual([undefined, 'v1']);
      expect(Math.round((await app.cache.ttl('price-list'))!)).toBe(300);
      client.version = 2;
      clock.advance(6 * 60_000);
      expect(await prices.priceList()).toEqual({ etag: 'v2', prices: { teapot: 2001 } });
    });

    it('cards: tagged by category, a minute on clearance, 30 s for an unknown id, unpriced not cached', async () => {
      const { app, prices, repository } = await start();
      const ttl = async (key: string) => Math.round((await app.cache.ttl(key))!);
      expect(await prices.card(1)).toBe('Teapot: 19.99');
      expect(await ttl('card:1')).toBe(3600);
      await repository.save({ id: 1, name: 'Teapot', category: 'kitchen', price: 1499 });
      expect(await prices.card(1)).toBe('Teapot: 19.99');
      await app.cache.invalidateTags('category:kitchen');
      expect(await prices.card(1)).toBe('Teapot: 14.99');
      expect(await prices.card(99)).toBeNull();
      expect(await ttl('card:99')).toBe(30);
      await repository.save({ id: 5, name: 'Mug', category: 'clearance', price: 199 });
      await prices.card(5);
      expect(await ttl('card:5')).toBe(60);
      await repository.save({ id: 6, name: 'Jug', category: 'kitchen', price: 0 });
      expect(await prices.card(6)).toBe('Jug: 0.00');
      expect(await app.cache.has('card:6')).toBe(false);
    });
  });

  describe('Cache a method', () => {
    interface ProductsService {
      findOne(id: number): Promise<Product | null>;
      listByCategory(
        category: { slug: string; preview?: boolean },
        page: number,
      ): Promise<Product[]>;
      save(product: Product): Promise<Product>;
      remove(id: number): Promise<void>;
      importAll(products: Product[]): Promise<void>;
      recommendations(userId: number): Promise<Product[]>;
    }

    async function start(): Promise<{
      app: CacheApp;
      products: ProductsService;
      repository: Repository;
    }> {
      const { ProductsRepository } = await block('Cache a route', 0);
      const { ProductsService } = await block('Cache a method');
      const app = await cacheApp({ providers: [ProductsRepository, ProductsService] });
      return {
        app,
        products: app.get<ProductsService>(ProductsService),
        repository: app.get<Repository>(ProductsRepository),
      };
    }

    it('findOne is cached, save refreshes it, remove makes it read the database again', async () => {
      const { app, products } = await start();
      const teapot = { id: 1, name: 'Teapot', category: 'kitchen', price: 1999 };
      expect(await products.findOne(1)).toEqual(teapot);
      expect(await app.cache.get('product:1')).toEqual(teapot);

      const repriced = { ...teapot, price: 2499 };
      expect(await products.save(repriced)).toEqual(repriced);
      expect(await app.cache.get('product:1')).toEqual(repriced);
      expect(await products.findOne(1)).toEqual(repriced);

      await products.remove(1);
      expect(await products.findOne(1)).toBeNull();
    });

    it('listings are cached per category and page, bypassed in preview, cleared by importAll', async () => {
      const { products, repository } = await start();
      const kitchen = { slug: 'kitchen' };
      const names = (list: Product[]) => list.map((p) => p.name);
      expect(names(await products.listByCategory(kitchen, 1))).toEqual(['Teapot', 'Kettle']);
      await repository.save({ id: 3, name: 'Whisk', category: 'kitchen', price: 499 });
      expect(names(await products.listByCategory(kitchen, 1))).toEqual(['Teapot', 'Kettle']);
      expect(names(await products.listByCategory({ ...kitchen, preview: true }, 1))).toEqual([
        'Teapot',
        'Kettle',
        'Whisk',
      ]);
      await products.importAll([{ id: 4, name: 'Ladle', category: 'kitchen', price: 299 }]);
      expect(names(await products.listByCategory(kitchen, 1))).toEqual([
        'Teapot',
        'Kettle',
        'Whisk',
        'Ladle',
      ]);
    });

    it('recommendations are tagged per user by @CacheTags', async () => {
      const { app, products, repository } = await start();
      const names = (list: Product[]) => list.map((p) => p.name);
      expect(names(await products.recommendations(7))).toEqual(['Teapot', 'Kettle']);
      await repository.save({ id: 3, name: 'Whisk', category: 'kitchen', price: 499 });
      expect(names(await products.recommendations(7))).toEqual(['Teapot', 'Kettle']);
      await app.cache.invalidateTags('user:7');
      expect(names(await products.recommendations(7))).toEqual(['Teapot', 'Kettle', 'Whisk']);
    });
  });
});
