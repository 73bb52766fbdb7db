// Write-through and write-behind on every topology: what the cache holds and what the "database"
// received, per-key order, retries and dead letters (listed, retried, purged), an API-only
// instance whose jobs another instance's worker persists, and the @WriteThrough/@WriteBehind
// decorators. The home of these behaviours; test/write/ keeps what is single-node only (timing of
// delays and backoffs, exact coalescing counts, shutdown drain, queue stats and metrics, bad
// input, Redis down, crashes).
import { Injectable } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import {
  WriteBehind,
  WriteThrough,
  type RedisCacheModuleOptions,
  type WriteBehindJobInfo,
} from '../../lib/index.js';
import { eventually } from '../support/eventually.js';
import { topologies, useTopology } from '../support/topologies.js';

const FAST: RedisCacheModuleOptions['writeBehind'] = {
  blockTime: '50ms',
  claimIdle: '2s',
  backoff: { base: '30ms', max: '500ms' },
};

/** A persister recording what it was given, in order. */
class Store {
  readonly calls: { key: string; value: unknown; job: WriteBehindJobInfo }[] = [];
  readonly rows = new Map<string, unknown>();
  failuresLeft = 0;

  readonly persist = async (value: unknown, job: WriteBehindJobInfo): Promise<void> => {
    this.calls.push({ key: job.key, value, job });
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('database unavailable');
    }
    this.rows.set(job.key, value);
  };
}

interface Order {
  id: number;
  total: number;
}

class OrdersTable {
  readonly rows = new Map<number, Order>();
}

@Injectable()
class OrdersService {
  constructor(readonly table: OrdersTable) {}

  @WriteThrough({ key: 'order:{0.id}', tags: ['orders'] })
  async create(order: Order): Promise<Order> {
    if (order.total < 0) throw new Error('negative total');
    this.table.rows.set(order.id, order);
    return order;
  }

  @WriteBehind({ key: 'order:{0.id}', tags: ['orders'] })
  async save(order: Order): Promise<void> {
    this.table.rows.set(order.id, order);
  }
}

describe.each(topologies)('write strategies on $name', (topology) => {
  const redis = useTopology(topology);

  it('writeThrough persists, then caches; a failing persist leaves the cache as it was', async () => {
    const app = await redis.app();
    const rows = new Map<string, unknown>();
    const saved = await app.cache.writeThrough('user:1', { name: 'ada' }, async () => {
      expect(await app.cache.get('user:1')).toBeUndefined(); // the cache is written after
      rows.set('user:1', { name: 'ada' });
      return 'saved';
    });
    expect(saved).toBe('saved');
    expect(rows.get('user:1')).toEqual({ name: 'ada' });
    expect(await app.cache.get('user:1')).toEqual({ name: 'ada' });
    // A persister that throws or rejects: its error reaches the caller, the cache is unchanged.
    const failure = new Error('constraint violated');
    await expect(
      app.cache.writeThrough('user:1', { name: 'bob' }, () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    await expect(
      app.cache.writeThrough('user:1', { name: 'bob' }, () => Promise.reject(failure)),
    ).rejects.toBe(failure);
    expect(await app.cache.get('user:1')).toEqual({ name: 'ada' });
    await expect(
      app.cache.writeThrough('user:2', { name: 'new' }, () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await app.cache.has('user:2')).toBe(false);
    expect(app.cache.stats().writeBehind!.writeThrough).toEqual({ succeeded: 1, failed: 3 });
  });

  it('writeBehind caches at once and persists every key, each key’s writes in order', async () => {
    const app = await redis.app({ writeBehind: FAST });
    const store = new Store();
    app.cache.writeBehindQueue.registerWriter('audit', store.persist);
    const keys = Array.from({ length: 12 }, (_, i) => `audit:${i}`);
    for (let round = 1; round <= 5; round++)
      await Promise.all(
        keys.map((key) => app.cache.writeBehind(key, round, 'audit', { coalesce: false })),
      );
    expect(await app.cache.get('audit:3')).toBe(5);
    // Counted once the job is acknowledged, just after the persister returned.
    await eventually(
      () => app.cache.stats().writeBehind!.persisted,
      (n) => n === 60,
      { what: 'every write persisted' },
    );
    expect(store.calls).toHaveLength(60);
    for (const key of keys) {
      const calls = store.calls.filter((call) => call.key === key);
      expect(calls.map((call) => call.value)).toEqual([1, 2, 3, 4, 5]);
      // Each job carries its place in the queue: increasing in the order of the writes.
      const sequences = calls.map((call) => call.job.sequence);
      expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
      expect(new Set(sequences).size).toBe(5);
    }
    expect(app.cache.stats().writeBehind).toMatchObject({ enqueued: 60, retries: 0 });
  });

  it('coalesces a burst to one key; the last value is the one persisted', async () => {
    const app = await redis.app({ writeBehind: { ...FAST, delay: '100ms' } });
    const store = new Store();
    app.cache.writeBehindQueue.registerWriter('counter', store.persist);
    for (let i = 1; i <= 50; i++) await app.cache.writeBehind('counter:1', i, 'counter');
    await eventually(
      () => store.rows.get('counter:1'),
      (row) => row === 50,
      { what: 'the last value persisted' },
    );
    expect(store.calls.length).toBeLessThan(50);
  });

  it('retries a failing persister, dead-letters what keeps failing; retry() queues it again, purge() removes', async () => {
    const app = await redis.app({ writeBehind: FAST });
    const store = new Store();
    store.failuresLeft = 1_000;
    app.cache.writeBehindQueue.registerWriter('broken', store.persist);
    await app.cache.writeBehind('broken:1', { id: 1 }, 'broken', { maxAttempts: 3 });
    await app.cache.writeBehind('broken:2', { id: 2 }, 'broken', { maxAttempts: 2 });
    const dead = await eventually(
      () => app.cache.writeBehindQueue.deadLetters(),
      (letters) => letters.length === 2,
      { what: 'two dead letters' },
    );
    expect(store.calls.filter((call) => call.key === 'broken:1')).toHaveLength(3);
    expect(store.calls.filter((call) => call.key === 'broken:2')).toHaveLength(2);
    const letter = dead.find((dl) => dl.key === 'broken:1')!;
    expect(letter).toMatchObject({
      key: 'broken:1',
      writer: 'broken',
      data: { id: 1 },
      error: 'database unavailable',
      attempts: 3,
    });
    expect(letter.failedAt.getTime()).toBeGreaterThanOrEqual(letter.enqueuedAt.getTime());
    expect((await app.cache.writeBehindQueue.stats()).queue).toMatchObject({
      depth: 0,
      deadLetters: 2,
    });
    // The database is back: retry one (once), purge the other.
    store.failuresLeft = 0;
    expect(await app.cache.writeBehindQueue.retry(letter.id)).toBe(true);
    expect(await app.cache.writeBehindQueue.retry(letter.id)).toBe(false);
    await eventually(
      () => store.rows.get('broken:1'),
      (row) => row !== undefined,
      { what: 'the retried job persisted' },
    );
    expect(store.rows.get('broken:1')).toEqual({ id: 1 });
    expect((await app.cache.writeBehindQueue.deadLetters()).map((dl) => dl.key)).toEqual([
      'broken:2',
    ]);
    expect(await app.cache.writeBehindQueue.purge()).toBe(1);
    expect(await app.cache.writeBehindQueue.deadLetters()).toEqual([]);
    expect(store.rows.has('broken:2')).toBe(false);
  });

  it('jobs queued by an API-only instance are persisted by another instance’s worker', async () => {
    const api = await redis.app({ writeBehind: { ...FAST, worker: false } });
    const apiStore = new Store();
    api.cache.writeBehindQueue.registerWriter('orders', apiStore.persist);
    for (let i = 1; i <= 5; i++) await api.cache.writeBehind(`order:${i}`, { i }, 'orders');
    expect((await api.cache.writeBehindQueue.stats()).queue.depth).toBe(5);
    const worker = await redis.app({ namespace: api.namespace, writeBehind: FAST });
    const store = new Store();
    worker.cache.writeBehindQueue.registerWriter('orders', store.persist);
    await eventually(
      () => store.rows.size,
      (n) => n === 5,
      { what: 'the API instance’s jobs persisted' },
    );
    expect((await api.cache.writeBehindQueue.stats()).queue.depth).toBe(0);
    // The API-only instance never ran a job itself.
    expect(apiStore.calls).toHaveLength(0);
    expect(api.cache.stats().writeBehind?.worker).toBe(false);
  });

  it('@WriteThrough and @WriteBehind on a provider', async () => {
    const table = new OrdersTable();
    const app = await redis.app(
      { writeBehind: FAST },
      { providers: [{ provide: OrdersTable, useValue: table }, OrdersService] },
    );
    const orders = app.get(OrdersService);
    expect(await orders.create({ id: 1, total: 10 })).toEqual({ id: 1, total: 10 });
    expect(table.rows.get(1)).toEqual({ id: 1, total: 10 });
    expect(await app.cache.get('order:1')).toEqual({ id: 1, total: 10 });
    await expect(orders.create({ id: 2, total: -1 })).rejects.toThrow('negative total');
    expect(await app.cache.has('order:2')).toBe(false);
    // A failing @WriteThrough leaves an entry already cached as it was.
    await app.cache.set('order:4', { id: 4, total: 40 });
    await expect(orders.create({ id: 4, total: -4 })).rejects.toThrow('negative total');
    expect(await app.cache.get('order:4')).toEqual({ id: 4, total: 40 });

    await orders.save({ id: 3, total: 30 });
    expect(await app.cache.get('order:3')).toEqual({ id: 3, total: 30 });
    await eventually(
      () => table.rows.get(3),
      (row) => row !== undefined,
      { what: 'the @WriteBehind method run by the worker' },
    );
    await app.cache.invalidateTags('orders');
    expect(await app.cache.get('order:1')).toBeUndefined();
  });
});
