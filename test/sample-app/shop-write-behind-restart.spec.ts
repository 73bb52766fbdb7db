// An order accepted through write-behind survives the process that accepted it: the shop is
// started as `npm start` does, killed with SIGKILL before the order reached the database, and a
// new process writes it. Placing it again afterwards changes nothing (idempotent by order id).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedRedisUrl, uniqueNamespace } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import type { LiveStats } from '../../sample-app/src/observability/live-stats.service.js';
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

describe('write-behind orders across a crash', () => {
  it('reach the database after the process that accepted them was killed', async () => {
    const env = {
      REDIS_URL: sharedRedisUrl(),
      SQLITE_FILE: dir.file('shop.db'),
      CACHE_NAMESPACE: uniqueNamespace('shop-restart'),
    };
    const orderRow = () =>
      readDatabase(env.SQLITE_FILE, (db) =>
        db.prepare("SELECT * FROM orders WHERE id = 'restart-order-1'").all(),
      );
    const stockOf = (id: number) =>
      readDatabase(
        env.SQLITE_FILE,
        (db) =>
          (db.prepare('SELECT stock FROM products WHERE id = ?').get(id) as { stock: number })
            .stock,
      );

    // An API-only instance (no write-behind worker) accepts the order: queued in Redis only.
    const first = await start({ ...env, WRITE_BEHIND_WORKER: '0' });
    const stockBefore = stockOf(42);
    const placed = await first
      .http()
      .post('/orders')
      .send({ id: 'restart-order-1', productId: 42, quantity: 1 })
      .expect(202);
    expect(placed.body.created).toBe(true);
    expect((await first.http().get('/orders/restart-order-1').expect(200)).body).toEqual(
      placed.body.order,
    );
    const queued = (await first.http().get('/dashboard/data').expect(200)).body as LiveStats;
    expect(queued.writeBehind?.depth).toBe(1);
    expect(orderRow()).toEqual([]);

    await first.kill('SIGKILL');

    // A new process with a worker takes the job over from Redis and inserts the order.
    const second = await start(env);
    const rows = await eventually(orderRow, (found) => found.length > 0, {
      timeoutMs: 15_000,
      what: 'the order in the database',
    });
    expect(rows).toEqual([
      {
        id: 'restart-order-1',
        product_id: 42,
        quantity: 1,
        total_cents: placed.body.order.totalCents,
        created_at: placed.body.order.createdAt,
      },
    ]);
    const live = await eventually(
      async () => (await second.http().get('/dashboard/data').expect(200)).body as LiveStats,
      (stats) => stats.writeBehind?.depth === 0,
      { what: 'an empty backlog' },
    );
    expect(live.writeBehind?.persisted).toBe(1);

    // The client retries (it never saw the first answer, say): same order, no second row or reservation.
    const retried = await second
      .http()
      .post('/orders')
      .send({ id: 'restart-order-1', productId: 42, quantity: 1 })
      .expect(200);
    expect(retried.body).toEqual({ order: placed.body.order, created: false });
    expect(orderRow()).toHaveLength(1);
    expect(stockOf(42)).toBe(stockBefore - 1);
  }, 120_000);
});
