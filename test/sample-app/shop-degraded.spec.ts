// The sample shop started as `npm start` does, in the two modes where it runs without its cache:
// Redis unreachable at startup (it says so in one line and serves from the database), and
// CACHE_DISABLED=1 (the baseline of `npm run load`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveStats } from '../../sample-app/src/observability/live-stats.service.js';
import { sharedRedisUrl, uniqueNamespace } from '../support/cache-app.js';
import { sleep } from '../support/eventually.js';
import { freePort } from '../support/redis-server.js';
import { readDatabase, ShopProcess, TempDir } from './support/shop-harness.js';

let dir: TempDir;
const started: ShopProcess[] = [];

beforeAll(() => {
  dir = new TempDir();
});

afterAll(async () => {
  await Promise.all(started.map((shop) => shop.kill()));
  dir?.dispose();
});

async function start(env: Record<string, string>): Promise<ShopProcess> {
  const shop = await ShopProcess.start(env);
  started.push(shop);
  return shop;
}

async function live(shop: ShopProcess): Promise<LiveStats> {
  return (await shop.http().get('/dashboard/data').expect(200)).body as LiveStats;
}

describe('Redis unreachable at startup', () => {
  it('says so in one line and serves uncached', async () => {
    const sqliteFile = dir.file('no-redis.db');
    const shop = await start({
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      SQLITE_FILE: sqliteFile,
      CACHE_NAMESPACE: uniqueNamespace('shop-down'),
    });
    // Give the background parts (write-behind worker, stats flush) time to hit the dead Redis too.
    await sleep(1_500);
    const warnings = shop.logs.split('\n').filter((line) => /\b(WARN|ERROR)\b/.test(line));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /Redis unavailable \(127\.0\.0\.1:\d+ not reachable after \d+ ms at startup: connection refused.*\(ECONNREFUSED\)\): reads are misses/,
    );

    for (let i = 0; i < 2; i++) {
      const before = (await live(shop)).database.queries;
      const response = await shop.http().get('/products/7').expect(200);
      expect(response.body).toMatchObject({ id: 7 });
      expect(response.headers['x-cache']).toBe('MISS');
      expect((await live(shop)).database.queries - before).toBe(1);
    }
    // Orders are written synchronously instead of queued; carts, which live in Redis, say why not.
    await shop.http().post('/orders').send({ id: 'no-redis-order-1', productId: 7 }).expect(202);
    expect(
      readDatabase(sqliteFile, (db) =>
        db.prepare("SELECT COUNT(*) AS n FROM orders WHERE id = 'no-redis-order-1'").get(),
      ),
    ).toEqual({ n: 1 });
    const cart = await shop.http().get('/carts/cart-no-redis').expect(503);
    expect(cart.body.message).toBe('carts are kept in Redis, which is unreachable');
    expect((await shop.http().get('/trending').expect(200)).body).toEqual([]);
    expect((await live(shop)).cache.redisAvailable).toBe(false);
    await shop.http().get('/dashboard').expect(200);
  }, 90_000);
});

describe('CACHE_DISABLED=1', () => {
  it('sends every read to the database and writes orders synchronously', async () => {
    const sqliteFile = dir.file('uncached.db');
    const shop = await start({
      REDIS_URL: sharedRedisUrl(),
      SQLITE_FILE: sqliteFile,
      CACHE_NAMESPACE: uniqueNamespace('shop-off'),
      CACHE_DISABLED: '1',
    });
    expect(shop.logs).toContain('cache disabled by CACHE_DISABLED=1');
    for (const url of [
      '/products/9',
      '/products/9',
      '/categories/toys/products',
      '/products/9/card',
    ]) {
      const before = (await live(shop)).database.queries;
      const response = await shop.http().get(url).expect(200);
      expect(response.headers['x-cache']).toBeUndefined();
      expect((await live(shop)).database.queries - before).toBe(1);
    }
    await shop.http().post('/orders').send({ id: 'uncached-order-1', productId: 9 }).expect(202);
    expect(
      readDatabase(sqliteFile, (db) =>
        db.prepare("SELECT COUNT(*) AS n FROM orders WHERE id = 'uncached-order-1'").get(),
      ),
    ).toEqual({ n: 1 });
    const stats = await live(shop);
    expect(stats.cache).toMatchObject({ enabled: false, hits: 0 });
    expect(stats.writeBehind?.enqueued).toBe(0);
  }, 90_000);
});
