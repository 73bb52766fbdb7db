// cache.writeBehind() on one server, what is single-node only: the value cached and a durable job
// queued before the call resolves (the persister held), types kept on the way, exact coalescing
// counts of a burst, `delay` timed, backoff timed, shutdown drain, queue stats and metrics, bad
// input, and the queue out of reach of clear(). Real Redis, real persisters (an in-process
// store). Per-key order, dead letters (retry, purge) and an API-only instance's jobs persisted by
// another instance are asserted on every topology in test/topologies/write-strategies.spec.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { eventually, sleep } from '../support/eventually.js';
import { rawRedis } from '../support/raw-redis.js';
import type { RedisCacheModuleOptions, WriteBehindJobInfo } from '../../lib/index.js';

const FAST: RedisCacheModuleOptions['writeBehind'] = {
  blockTime: '50ms',
  claimIdle: '2s',
  backoff: { base: '40ms', max: '1s' },
};

/** A persister that records what it was given, in order. */
class Store {
  readonly calls: { key: string; value: unknown; at: number; job: WriteBehindJobInfo }[] = [];
  readonly rows = new Map<string, unknown>();
  failuresLeft = 0;
  gate: Promise<void> = Promise.resolve();

  readonly persist = async (value: unknown, job: WriteBehindJobInfo): Promise<void> => {
    this.calls.push({ key: job.key, value, at: Date.now(), job });
    await this.gate;
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('database unavailable');
    }
    this.rows.set(job.key, value);
  };
}

const apps: CacheApp[] = [];
async function app(writeBehind: RedisCacheModuleOptions['writeBehind'] = FAST): Promise<CacheApp> {
  const created = await createCacheApp({ cache: { writeBehind } });
  apps.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

describe('write-behind', () => {
  it('resolves before the persister runs, with the value readable from the cache at once', async () => {
    const { cache } = await app();
    const store = new Store();
    let open!: () => void;
    store.gate = new Promise((resolve) => (open = resolve));
    cache.writeBehindQueue.registerWriter('orders', store.persist);

    await cache.writeBehind('order:1', { id: 1, total: 42 }, 'orders');

    expect(await cache.get('order:1')).toEqual({ id: 1, total: 42 });
    expect(store.rows.has('order:1')).toBe(false);
    open();
    await eventually(
      () => store.rows.get('order:1'),
      (row) => row !== undefined,
    );
    expect(store.rows.get('order:1')).toEqual({ id: 1, total: 42 });
    expect(store.calls[0].job).toMatchObject({ key: 'order:1', attempt: 1, synchronous: false });
  });

  it('keeps the types of the value (Date, Map, BigInt) on the way to the persister', async () => {
    const { cache } = await app();
    const store = new Store();
    cache.writeBehindQueue.registerWriter('rich', store.persist);
    const value = { at: new Date(1_700_000_000_000), tags: new Map([['a', 1n]]) };
    await cache.writeBehind('rich:1', value, 'rich');
    await eventually(
      () => store.rows.get('rich:1'),
      (row) => row !== undefined,
    );
    expect(store.rows.get('rich:1')).toEqual(value);
  });

  it('coalesces a burst of 1,000 writes to one key into far fewer persister calls; the last value wins', async () => {
    const { cache } = await app();
    const store = new Store();
    cache.writeBehindQueue.registerWriter('counter', store.persist);

    await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        cache.writeBehind('counter:1', { n: i + 1 }, 'counter'),
      ),
    );

    await eventually(
      () => store.rows.get('counter:1'),
      (row) => (row as { n: number })?.n === 1_000,
    );
    const stats = await cache.writeBehindQueue.stats();
    expect(stats.queue.depth).toBe(0);
    expect(store.calls.length).toBeLessThanOrEqual(10);
    expect(stats.enqueued).toBe(1_000);
    expect(stats.coalesced).toBe(1_000 - store.calls.length);
    expect(store.calls.at(-1)!.job.writes).toBeGreaterThan(1);
    expect(await cache.get('counter:1')).toEqual({ n: 1_000 });
  });

  it('waits `delay` before persisting, merging the writes made meanwhile', async () => {
    const { cache } = await app({ ...FAST, delay: '300ms' });
    const store = new Store();
    cache.writeBehindQueue.registerWriter('slowly', store.persist);
    const started = Date.now();
    await cache.writeBehind('d:1', 'a', 'slowly');
    await sleep(100);
    await cache.writeBehind('d:1', 'b', 'slowly');
    await cache.writeBehind('d:2', 'x', 'slowly', { delay: 0 });
    await eventually(
      () => store.rows.get('d:1'),
      (row) => row === 'b',
    );
    expect(store.calls.find((call) => call.key === 'd:1')!.at - started).toBeGreaterThanOrEqual(
      290,
    );
    expect(store.calls.find((call) => call.key === 'd:2')!.at - started).toBeLessThan(290);
    expect(store.calls.filter((call) => call.key === 'd:1')).toHaveLength(1);
  });

  it('retries a failing persister with exponential backoff, then succeeds', async () => {
    const { cache } = await app();
    const store = new Store();
    store.failuresLeft = 3;
    cache.writeBehindQueue.registerWriter('flaky', store.persist);

    await cache.writeBehind('flaky:1', 'v1', 'flaky', {
      maxAttempts: 5,
      backoff: { base: '60ms' },
    });

    await eventually(
      () => store.rows.get('flaky:1'),
      (row) => row === 'v1',
    );
    expect(store.calls.map((call) => call.job.attempt)).toEqual([1, 2, 3, 4]);
    const gaps = store.calls.slice(1).map((call, i) => call.at - store.calls[i].at);
    // 60, 120, 240 ms (and a little scheduling on top): each wait at least the backoff, and growing.
    expect(gaps[0]).toBeGreaterThanOrEqual(55);
    expect(gaps[1]).toBeGreaterThanOrEqual(115);
    expect(gaps[2]).toBeGreaterThanOrEqual(235);
    expect(gaps[2]).toBeGreaterThan(gaps[0]);
    const stats = await cache.writeBehindQueue.stats();
    expect(stats.retries).toBe(3);
    expect(stats.persisted).toBe(1);
    expect(stats.queue.deadLetters).toBe(0);
  });

  it('drains running persister calls on shutdown; jobs not started stay queued for the next worker', async () => {
    const first = await createCacheApp({ cache: { writeBehind: { ...FAST, concurrency: 2 } } });
    const store = new Store();
    let open!: () => void;
    store.gate = new Promise((resolve) => (open = resolve));
    first.cache.writeBehindQueue.registerWriter('slow', store.persist);
    for (let i = 1; i <= 6; i++) await first.cache.writeBehind(`slow:${i}`, i, 'slow');
    await eventually(
      () => store.calls.length,
      (n) => n === 2,
    );

    const closing = first.close();
    await sleep(100);
    expect(store.rows.size).toBe(0); // still draining: close waits for the two running calls
    open();
    await closing;
    expect(store.rows.size).toBe(2);
    expect(store.calls).toHaveLength(2);

    const nextStore = new Store();
    // A new instance on the same namespace picks up what was left.
    const successor = await createCacheApp({
      cache: { namespace: first.namespace, writeBehind: FAST },
    });
    apps.push(successor);
    successor.cache.writeBehindQueue.registerWriter('slow', nextStore.persist);
    await eventually(
      () => nextStore.rows.size,
      (n) => n === 4,
    );
    expect([...nextStore.rows.keys()].sort()).toEqual(['slow:3', 'slow:4', 'slow:5', 'slow:6']);
  });

  it('reports the queue in stats(): depth, pending, in flight, persist latency and lag', async () => {
    const { cache } = await app();
    const store = new Store();
    let open!: () => void;
    store.gate = new Promise((resolve) => (open = resolve));
    cache.writeBehindQueue.registerWriter('metrics', store.persist);
    await cache.writeBehind('m:1', 1, 'metrics');
    await cache.writeBehind('m:2', 2, 'metrics');
    await eventually(
      () => store.calls.length,
      (n) => n === 2,
    );
    const busy = await cache.writeBehindQueue.stats();
    expect(busy).toMatchObject({ worker: true, inFlight: 2, enqueued: 2 });
    expect(busy.queue).toMatchObject({ depth: 2, pending: 2, delayed: 0, deadLetters: 0 });
    await sleep(30);
    open();
    await eventually(
      () => cache.writeBehindQueue.stats(),
      (s) => s.persisted === 2,
    );
    const done = await cache.writeBehindQueue.stats();
    expect(done.inFlight).toBe(0);
    expect(done.queue).toMatchObject({ depth: 0, pending: 0 });
    expect(done.persistLatency.count).toBe(2);
    expect(done.persistLatency.avgMs).toBeGreaterThanOrEqual(25);
    expect(done.lag.count).toBe(2);
    expect(done.lag.maxMs).toBeGreaterThanOrEqual(done.persistLatency.maxMs - 5);
    expect(cache.stats().writeBehind).toMatchObject({ persisted: 2, enqueued: 2 });
  });

  it('adds the queue to the Prometheus output of metrics()', async () => {
    const { cache, namespace } = await app();
    const store = new Store();
    cache.writeBehindQueue.registerWriter('prom', store.persist);
    await cache.writeBehind('p:1', 1, 'prom');
    await cache.writeBehind('p:1', 2, 'prom');
    await eventually(
      () => store.rows.get('p:1'),
      (row) => row === 2,
    );
    await eventually(
      () => cache.writeBehindQueue.stats(),
      (s) => s.queue.depth === 0,
    );
    const text = await cache.metrics();
    const ns = `namespace="${namespace}"`;
    expect(text).toContain(`# TYPE cache_write_behind_queue_depth gauge`);
    expect(text).toContain(`cache_write_behind_queue_depth{${ns}} 0`);
    expect(text).toContain(`cache_write_behind_enqueued_total{${ns}} 2`);
    expect(text).toContain(`cache_write_behind_persisted_total{${ns}} ${store.calls.length}`);
    expect(text).toContain(`# TYPE cache_write_behind_lag_seconds histogram`);
    expect(text).toContain(`cache_write_behind_lag_seconds_count{${ns}} ${store.calls.length}`);
    expect(text).toContain(`cache_write_behind_persist_duration_seconds_bucket{${ns},le="+Inf"}`);
  });

  it('refuses an unknown writer and data that cannot be queued, writing nothing', async () => {
    const { cache } = await app();
    cache.writeBehindQueue.registerWriter('orders', new Store().persist);
    await expect(cache.writeBehind('x:1', 1, 'nope')).rejects.toMatchObject({
      code: 'E_WRITER_UNKNOWN',
    });
    await expect(cache.writeBehind('x:2', { f: () => 1 }, 'orders')).rejects.toMatchObject({
      code: 'E_WRITE_BEHIND_SERIALIZE',
    });
    expect(await cache.get('x:1')).toBeUndefined();
    expect(await cache.get('x:2')).toBeUndefined();
    expect((await cache.writeBehindQueue.stats()).queue.depth).toBe(0);
    await expect(cache.writeBehind('x:3', 1, 'orders', { maxAttempts: 0 })).rejects.toMatchObject({
      code: 'E_CACHE_CONFIG',
      option: 'writeBehind().maxAttempts',
    });
    await expect(
      cache.writeBehind('x:4', 1, 'orders', { maxAtempts: 3 } as never),
    ).rejects.toMatchObject({ code: 'E_CACHE_CONFIG', option: 'writeBehind().maxAtempts' });
  });

  it('keeps the queue out of reach of clear()', async () => {
    const { cache } = await app({ ...FAST, worker: false });
    cache.writeBehindQueue.registerWriter('orders', new Store().persist);
    await cache.writeBehind('order:9', 9, 'orders');
    await cache.clear();
    expect(await cache.get('order:9')).toBeUndefined();
    expect((await cache.writeBehindQueue.stats()).queue.depth).toBe(1);
    const redis = rawRedis();
    try {
      expect(await redis.exists(`${cache.namespace}~wb{${cache.namespace}~0}:jobs:order:9`)).toBe(
        1,
      );
    } finally {
      redis.disconnect();
    }
  });
});
