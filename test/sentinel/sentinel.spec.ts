// RedisCacheModule behind Redis Sentinel (a master, a replica and a sentinel started by the test):
// forRoot({ redis: { sentinels, name } }) finds the master through the sentinel, and when the
// master process is killed the cache degrades (misses, skipped writes, no errors: the app keeps
// serving) and resumes by itself on the promoted replica, pub/sub and write-behind included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { eventually, sleep } from '../support/eventually.js';
import { RedisSentinelHarness } from '../support/redis-sentinel.js';

let sentinel: RedisSentinelHarness;
let app: CacheApp;
const rows = new Map<string, unknown>();

beforeAll(async () => {
  sentinel = await RedisSentinelHarness.start();
  app = await createCacheApp({
    cache: {
      redis: { sentinels: sentinel.sentinels, name: sentinel.name },
      l1: { ttl: '1m' },
      writeBehind: { blockTime: '100ms', delay: 0 },
    },
  });
  app.cache.writeBehindQueue.registerWriter('orders', async (value, job) => {
    rows.set(job.key, value);
  });
});
afterAll(async () => {
  await app?.close();
  await sentinel?.dispose();
});

describe('behind Redis Sentinel', () => {
  it('finds the master through the sentinel and caches there', async () => {
    const master = await sentinel.master();
    expect(sentinel.servers[0].port).toBe(master.port);
    await app.cache.set('greeting', 'hello', { tags: ['words'] });
    expect(await app.cache.get('greeting')).toBe('hello');
    expect(await app.cache.getOrSet('computed', () => 1)).toBe(1);
    expect(await app.cache.getOrSet('computed', () => 2)).toBe(1);
    await app.cache.invalidateTags('words');
    expect(await app.cache.get('greeting')).toBeUndefined();
    await app.cache.writeBehind('order:before', { n: 1 }, 'orders');
    await eventually(
      () => rows.get('order:before'),
      (row) => row !== undefined,
    );
    expect(app.cache.stats().redis).toMatchObject({ available: true, errors: 0 });
  });

  it('keeps serving while the master is killed and resumes on the promoted replica', async () => {
    let factoryRuns = 0;
    const factory = () => ++factoryRuns;
    let failures = 0;
    let calls = 0;
    let serving = true;
    // Traffic through the whole failover: every call must answer (with the factory's value when
    // the cache cannot help), none may throw.
    const traffic = (async () => {
      while (serving) {
        calls++;
        try {
          const value = await app.cache.getOrSet(`during:${calls % 5}`, factory, { ttl: '1m' });
          if (typeof value !== 'number') failures++;
          await app.cache.set('last-call', calls);
        } catch {
          failures++;
        }
        await sleep(20);
      }
    })();

    const old = await sentinel.master();
    const { master, tookMs } = await sentinel.killMasterAndWaitForFailover();
    expect(master.port).not.toBe(old.port);

    // Caching resumes by itself on the new master, within a bounded time after the promotion.
    const promoted = Date.now();
    await eventually(
      async () => {
        await app.cache.set('after', promoted);
        return app.cache.get('after');
      },
      (value) => value === promoted,
      { timeoutMs: 10_000, intervalMs: 100, what: 'caching on the new master' },
    );
    const resumedAfterMs = Date.now() - promoted;
    // Let the traffic make a full call (getOrSet and set) on the new master before it stops: a
    // call made during the outage had its writes skipped, and the old master's may not have been
    // replicated.
    const callsAtResume = calls;
    await eventually(
      () => calls,
      (n) => n >= callsAtResume + 2,
      { timeoutMs: 5_000, intervalMs: 20, what: 'traffic on the new master' },
    );
    serving = false;
    await traffic;

    expect(failures).toBe(0);
    expect(calls).toBeGreaterThan(10);
    const stats = app.cache.stats();
    expect(stats.redis.outages).toBeGreaterThanOrEqual(1);
    expect(stats.redis.available).toBe(true);
    // The hits resumed too: the cached keys are read back from the new master, not recomputed.
    const runsBefore = factoryRuns;
    await app.cache.getOrSet('during:1', factory, { ttl: '1m' });
    await app.cache.getOrSet('during:1', factory, { ttl: '1m' });
    expect(factoryRuns - runsBefore).toBeLessThanOrEqual(1);
    expect(await app.cache.get('last-call')).toBeGreaterThan(0);
    console.info(`sentinel failover took ${tookMs} ms; caching resumed ${resumedAfterMs} ms later`);
  });

  it('after the failover, pub/sub (L1) and the write-behind worker work again', async () => {
    await eventually(
      () => app.cache.stats().l1!.active,
      (active) => active,
      { timeoutMs: 10_000, what: 'the L1 invalidation channel resubscribed' },
    );
    await app.cache.set('l1-key', 'v');
    await app.cache.get('l1-key');
    app.cache.resetStats();
    expect(await app.cache.get('l1-key')).toBe('v');
    expect(app.cache.stats().l1!.hits).toBe(1);

    await app.cache.writeBehind('order:after', { n: 2 }, 'orders');
    expect(await app.cache.get('order:after')).toEqual({ n: 2 });
    await eventually(
      () => rows.get('order:after'),
      (row) => row !== undefined,
      { timeoutMs: 10_000, what: 'a job persisted by the worker after the failover' },
    );
    expect(rows.get('order:after')).toEqual({ n: 2 });
  });
});
