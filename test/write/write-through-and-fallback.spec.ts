// cache.writeThrough() with a TTL and tags (persist first, then cache; a failed persist leaving the
// cache as it was is asserted on every topology in test/topologies/write-strategies.spec.ts).
// And write-behind when Redis is unreachable: the write is persisted synchronously instead of
// being lost, with a log line and a counter. Fault tests run on a redis-server of their own.
import { Injectable } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import { LogCapture } from '../support/log-capture.js';
import { RedisServer } from '../support/redis-server.js';
import { WriteBehind, type WriteBehindJobInfo } from '../../lib/index.js';

@Injectable()
class Inventory {
  readonly rows = new Map<string, number>();

  @WriteBehind({ key: 'stock:{0}', value: (_sku: string, count: number) => count })
  async setStock(sku: string, count: number): Promise<void> {
    this.rows.set(sku, count);
  }
}

describe('write-through', () => {
  let app: CacheApp;
  beforeAll(async () => {
    app = await createCacheApp();
  });
  afterAll(() => app.close());

  it('applies ttl and tags to the stored value', async () => {
    await app.cache.writeThrough('user:4', 4, () => undefined, { ttl: 60, tags: ['users'] });
    const ttl = await app.cache.ttl('user:4');
    expect(ttl).toBeGreaterThan(55);
    expect(ttl).toBeLessThanOrEqual(60);
    await app.cache.invalidateTags('users');
    expect(await app.cache.get('user:4')).toBeUndefined();
  });
});

describe('write-behind when Redis is unreachable', () => {
  let server: RedisServer;
  let app: CacheApp;
  let logs: LogCapture;
  const persisted: { value: unknown; job: WriteBehindJobInfo }[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
    app = await createCacheApp({
      cache: {
        url: server.url,
        redisTimeouts: { retryAfter: '100ms' },
        writeBehind: { blockTime: '50ms', claimIdle: '2s' },
      },
      providers: [Inventory],
    });
    logs = new LogCapture().attach(); // after compile(), which installs a logger of its own
    app.cache.writeBehindQueue.registerWriter('orders', (value, job) => {
      persisted.push({ value, job });
    });
  });
  afterAll(async () => {
    await app.close();
    logs.restore();
    await server.dispose();
  });
  afterEach(() => logs.clear());

  it('persists synchronously (write-through) instead of losing the write, and says so', async () => {
    await server.stop();
    await eventually(
      () => app.cache.stats().redis.available,
      (available) => !available,
    );

    await app.cache.writeBehind('order:1', { id: 1 }, 'orders');
    await app.cache.writeBehind('order:2', { id: 2 }, 'orders');

    expect(persisted.map((call) => call.value)).toEqual([{ id: 1 }, { id: 2 }]);
    expect(persisted[0].job).toMatchObject({ key: 'order:1', synchronous: true });
    expect(app.cache.stats().writeBehind?.fallbacks).toBe(2);
    const warnings = logs.of('warn').filter((entry) => entry.message.includes('synchronously'));
    expect(warnings).toHaveLength(1); // once per outage, then counted
    expect(warnings[0].message).toContain('order:1');
  });

  it('runs a @WriteBehind method synchronously, with its arguments, while Redis is down', async () => {
    const inventory = app.get(Inventory);
    await inventory.setStock('sku-1', 12);
    expect(inventory.rows.get('sku-1')).toBe(12); // persisted before the call resolved
    expect(app.cache.stats().writeBehind?.fallbacks).toBe(3);
  });

  it('propagates the error of a synchronous persist, so the caller knows the write failed', async () => {
    app.cache.writeBehindQueue.registerWriter('failing', () => {
      throw new Error('database down too');
    });
    await expect(app.cache.writeBehind('order:3', { id: 3 }, 'failing')).rejects.toThrow(
      'database down too',
    );
  });

  it('queues again once Redis is back', async () => {
    await server.start();
    const before = persisted.length;
    await eventually(
      async () => {
        await app.cache.get('probe'); // a command lets the cache notice Redis is back
        return app.cache.stats().redis.available;
      },
      (available) => available,
    );
    await app.cache.writeBehind('order:4', { id: 4 }, 'orders');
    expect(await app.cache.get('order:4')).toEqual({ id: 4 });
    await eventually(
      () => persisted.length,
      (n) => n === before + 1,
    );
    expect(persisted.at(-1)).toMatchObject({ value: { id: 4 }, job: { synchronous: false } });
    expect(app.cache.stats().writeBehind?.fallbacks).toBe(4);
  });
});
