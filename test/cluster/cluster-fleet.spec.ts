// What coordinates several instances, on a real Redis Cluster (three masters): the distributed
// lock (one factory run for two app instances), waiters woken and L1 kept coherent over pub/sub
// (published on one node, received through another), the write-behind queue (its keys share one
// hash slot), @Cacheable on a provider, and stats({ scope: 'cluster' }) / metrics().
import { Injectable } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cacheable, type RedisCacheModuleOptions } from '../../lib/index.js';
import { createCacheApp, uniqueNamespace, type CacheApp } from '../support/cache-app.js';
import { eventually, sleep } from '../support/eventually.js';
import { RedisClusterHarness } from '../support/redis-cluster.js';

let cluster: RedisClusterHarness;
const apps: CacheApp[] = [];

beforeAll(async () => {
  cluster = await RedisClusterHarness.start();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});
afterAll(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await cluster?.dispose();
});

/** One instance of the app: its own Cluster connection, the given namespace. */
async function instance(
  namespace: string,
  options: Omit<RedisCacheModuleOptions, 'namespace' | 'cluster'> = {},
  metadata: Parameters<typeof createCacheApp>[0] = {},
): Promise<CacheApp> {
  const app = await createCacheApp({
    ...metadata,
    cache: { cluster: { nodes: cluster.nodes }, ...options, namespace },
  });
  apps.push(app);
  return app;
}

describe('stampede protection on Redis Cluster', () => {
  it('two instances × 100 concurrent callers on a cold key: one factory run in all', async () => {
    const namespace = uniqueNamespace('cl-lock');
    const [a, b] = await Promise.all([instance(namespace), instance(namespace)]);
    let runs = 0;
    const factory = async () => {
      runs++;
      await sleep(300);
      return { price: 42 };
    };
    const started = Date.now();
    const results = await Promise.all(
      [a, b].flatMap((app) =>
        Array.from({ length: 100 }, () =>
          app.cache.getOrSet('hot', factory, { lock: { lease: '10s' } }),
        ),
      ),
    );
    expect(runs).toBe(1);
    expect(results.every((value) => value.price === 42)).toBe(true);
    // The instance that waited was woken by the holder's write (pub/sub through the cluster),
    // long before the 10 s lease it would otherwise have had to wait out.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(a.cache.stats().stampede!.lockWaits + b.cache.stats().stampede!.lockWaits).toBe(1);
  });

  it('keys in different slots each get their own single flight', async () => {
    const namespace = uniqueNamespace('cl-lock');
    const [a, b] = await Promise.all([instance(namespace), instance(namespace)]);
    const runs = new Map<string, number>();
    const keys = Array.from({ length: 12 }, (_, i) => `k:${i}`);
    const lookup = (app: CacheApp, key: string) =>
      app.cache.getOrSet(key, async () => {
        runs.set(key, (runs.get(key) ?? 0) + 1);
        await sleep(100);
        return key.toUpperCase();
      });
    const results = await Promise.all(
      keys.flatMap((key) => [a, b, a, b].map((app) => lookup(app, key))),
    );
    expect(results).toEqual(keys.flatMap((key) => Array(4).fill(key.toUpperCase())));
    expect([...runs.values()]).toEqual(keys.map(() => 1));
  });

  it('a key whose lock cannot share its slot ("odd}key") still gets one single flight', async () => {
    // No hash tag of its own, and a "}" that would end the lock key's tag early: the lock and the
    // entry land in different slots, so the entry is read beside the lock attempt, not in it.
    const namespace = uniqueNamespace('cl-lock');
    const [a, b] = await Promise.all([instance(namespace), instance(namespace)]);
    let runs = 0;
    const factory = async () => {
      runs++;
      await sleep(200);
      return 'odd';
    };
    const results = await Promise.all(
      [a, b, a, b].map((app) => app.cache.getOrSet('odd}key', factory, { lock: { lease: '10s' } })),
    );
    expect(results).toEqual(['odd', 'odd', 'odd', 'odd']);
    expect(runs).toBe(1);
    expect(await b.cache.get('odd}key')).toBe('odd');
  });
});

describe('L1 on Redis Cluster', () => {
  it("a write in instance A evicts the key from B's L1 (message over the cluster's pub/sub)", async () => {
    const namespace = uniqueNamespace('cl-l1');
    const l1 = { l1: { ttl: '1m' } } as const;
    const [a, b] = await Promise.all([instance(namespace, l1), instance(namespace, l1)]);
    await a.cache.set('price', 10);
    // On Cluster, PUBLISH returns before the other nodes relay the message: A's own "price
    // changed" may reach B after B's first read, and rightly keeps that read out of B's L1.
    await eventually(
      async () => [await b.cache.get('price'), b.cache.stats().l1!.entries],
      ([price, entries]) => price === 10 && entries === 1,
      { timeoutMs: 2_000, what: "B's L1 holding the key" },
    );
    b.cache.resetStats();
    expect(await b.cache.get('price')).toBe(10);
    // B really serves the key from its L1 (a stale copy would be served for a minute)...
    expect(b.cache.stats().l1!.hits).toBe(1);

    await a.cache.set('price', 11);
    // ...yet sees A's write after the invalidation message.
    await eventually(
      () => b.cache.get('price'),
      (price) => price === 11,
      { timeoutMs: 2_000, what: "B's read of A's write" },
    );
    await a.cache.set('tagged', 'v1', { tags: ['shelf'] });
    expect(await b.cache.getOrSet('tagged', () => 'from-b', { tags: ['shelf'] })).toBe('v1');
    await a.cache.invalidateTags('shelf');
    await eventually(
      () => b.cache.getOrSet('tagged', () => 'from-b', { tags: ['shelf'] }),
      (value) => value === 'from-b',
      { timeoutMs: 2_000, what: "B's read after A invalidated the tag" },
    );
  });
});

describe('write-behind on Redis Cluster', () => {
  it('enqueues, caches at once, persists every key, coalesces, dead-letters and purges', async () => {
    const namespace = uniqueNamespace('cl-wb');
    const app = await instance(namespace, {
      writeBehind: { blockTime: '50ms', delay: '50ms', backoff: '20ms', maxAttempts: 2 },
    });
    const rows = new Map<string, unknown>();
    let calls = 0;
    app.cache.writeBehindQueue.registerWriter('orders', async (value, job) => {
      calls++;
      rows.set(job.key, value);
    });
    app.cache.writeBehindQueue.registerWriter('broken', async () => {
      throw new Error('database unavailable');
    });

    const keys = Array.from({ length: 20 }, (_, i) => `order:${i}`);
    await Promise.all(keys.map((key, i) => app.cache.writeBehind(key, { i }, 'orders')));
    // A burst to one key: fewer persister calls, the last value wins.
    for (let v = 0; v < 50; v++) await app.cache.writeBehind('order:burst', { v }, 'orders');
    expect(await app.cache.mget(keys)).toEqual(keys.map((_, i) => ({ i })));
    expect(await app.cache.get('order:burst')).toEqual({ v: 49 });

    await eventually(
      () => rows.size,
      (size) => size === keys.length + 1,
      { what: 'every key persisted' },
    );
    for (const [i, key] of keys.entries()) expect(rows.get(key)).toEqual({ i });
    await eventually(
      () => rows.get('order:burst'),
      (row) => (row as { v: number }).v === 49,
    );
    expect(calls).toBeLessThan(keys.length + 50);

    await app.cache.writeBehind('bad:1', 1, 'broken');
    const dead = await eventually(
      () => app.cache.writeBehindQueue.deadLetters(),
      (letters) => letters.length === 1,
      { what: 'the dead letter' },
    );
    expect(dead[0]).toMatchObject({ key: 'bad:1', writer: 'broken', attempts: 2 });
    expect(await app.cache.writeBehindQueue.purge()).toBe(1);
    expect(await app.cache.writeBehindQueue.deadLetters()).toEqual([]);
    const stats = await app.cache.writeBehindQueue.stats();
    expect(stats.queue).toMatchObject({ depth: 0, deadLetters: 0 });
  });
});

@Injectable()
class PricesService {
  calls = 0;

  @Cacheable({ key: 'price:{0}', tags: (sku: string) => [`sku:${sku}`] })
  async price(sku: string) {
    this.calls++;
    return { sku, cents: 100 + this.calls };
  }
}

describe('@Cacheable and stats on Redis Cluster', () => {
  it('@Cacheable caches a provider method, and its tags invalidate it', async () => {
    const app = await instance(uniqueNamespace('cl-dec'), {}, { providers: [PricesService] });
    const prices = app.get(PricesService);
    const skus = Array.from({ length: 10 }, (_, i) => `sku-${i}`);
    const first = await Promise.all(skus.map((sku) => prices.price(sku)));
    const again = await Promise.all(skus.map((sku) => prices.price(sku)));
    expect(again).toEqual(first);
    expect(prices.calls).toBe(skus.length);
    await app.cache.invalidateTags('sku:sku-3');
    expect((await prices.price('sku-3')).cents).toBe(100 + skus.length + 1);
    expect(await prices.price('sku-4')).toEqual(first[4]);
  });

  it("stats({ scope: 'cluster' }) sums two instances; metrics() reads INFO from every master", async () => {
    const namespace = uniqueNamespace('cl-stats');
    const [a, b] = await Promise.all([instance(namespace), instance(namespace)]);
    await a.cache.set('x', 1);
    await a.cache.get('x'); // hit
    await a.cache.get('y'); // miss
    await b.cache.get('x'); // hit
    await b.cache.get('x'); // hit
    await b.cache.get('z'); // miss
    await b.cache.stats({ scope: 'cluster' }); // B sends its counts
    const totals = await a.cache.stats({ scope: 'cluster' });
    expect(totals).toMatchObject({ hits: 3, misses: 2 });

    const text = await a.cache.metrics();
    const hits = Number(/^redis_keyspace_hits_total\{[^}]*\} (\d+)/m.exec(text)?.[1]);
    // Summed over the three masters: at least this test's hits, wherever their keys live.
    expect(hits).toBeGreaterThanOrEqual(3);
  });
});

describe('a Cluster master going down', () => {
  it('degrades to misses without errors for callers, and resumes when the node is back', async () => {
    const app = await instance(uniqueNamespace('cl-down'), {
      redisTimeouts: { retryAfter: '200ms' },
    });
    const keys = Array.from({ length: 30 }, (_, i) => `d:${i}`);
    await app.cache.mset(keys.map((key) => ({ key, value: key })));
    const victim = cluster.servers[1];
    await victim.stop('SIGKILL');
    try {
      let computed = 0;
      const values = await Promise.all(
        keys.map((key) => app.cache.getOrSet(key, () => (computed++, `computed ${key}`))),
      );
      // Every caller got an answer: the cached value or, for the keys of the dead node, the
      // factory's.
      expect(values.every((value, i) => value === keys[i] || value === `computed ${keys[i]}`));
      expect(values.filter((value, i) => value === `computed ${keys[i]}`).length).toBe(computed);
      expect(computed).toBeGreaterThan(0);
      await expect(app.cache.set('x', 1)).resolves.toBeUndefined();
      expect(app.cache.stats().redis.errors).toBeGreaterThan(0);
    } finally {
      await victim.start();
    }
    await eventually(
      async () => {
        await app.cache.mset(keys.map((key) => ({ key, value: `again ${key}` })));
        return app.cache.mget(keys);
      },
      (values) => values.every((value, i) => value === `again ${keys[i]}`),
      { timeoutMs: 15_000, intervalMs: 200, what: 'caching on every node again' },
    );
    expect(app.cache.stats().redis.available).toBe(true);
  });
});

describe('L1 when the node of the invalidation subscriber goes down', () => {
  it('empties L1 (messages may have been missed) and is coherent again on a new node', async () => {
    const namespace = uniqueNamespace('cl-l1-down');
    const b = await instance(namespace, {
      l1: { ttl: '1m' },
      redisTimeouts: { retryAfter: '200ms' },
    });
    // The node B's subscriber connection listens on (the only pub/sub client so far).
    const pubsubClients = await Promise.all(
      cluster.servers.map(async (_, i) => {
        const node = cluster.node(i);
        try {
          return ((await node.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string).trim();
        } finally {
          node.disconnect();
        }
      }),
    );
    const index = pubsubClients.findIndex((list) => list.length > 0);
    expect(pubsubClients.filter((list) => list.length > 0)).toHaveLength(1);
    const victim = cluster.servers[index];
    const a = await instance(namespace, {
      l1: { ttl: '1m' },
      redisTimeouts: { retryAfter: '200ms' },
    });
    await a.cache.set('kept', 1);
    await eventually(
      async () => [await b.cache.get('kept'), b.cache.stats().l1!.entries],
      ([value, entries]) => value === 1 && entries === 1,
      { timeoutMs: 2_000, what: "B's L1 holding the key" },
    );
    await victim.stop('SIGKILL');
    try {
      await eventually(
        () => b.cache.stats().l1!.entries,
        (entries) => entries === 0,
        { timeoutMs: 5_000, what: "B's L1 emptied after its subscriber's node went down" },
      );
    } finally {
      await victim.start();
    }
    // Subscribed again (on whichever node): A's writes reach B's L1.
    await eventually(
      async () => {
        await a.cache.set('kept', 2);
        return [await b.cache.get('kept'), b.cache.stats().l1!.entries];
      },
      ([value, entries]) => value === 2 && entries === 1,
      { timeoutMs: 15_000, intervalMs: 200, what: 'B caching in L1 again' },
    );
    await a.cache.set('kept', 3);
    await eventually(
      () => b.cache.get('kept'),
      (value) => value === 3,
      { timeoutMs: 2_000, what: "B's read of A's write after the outage" },
    );
  });
});
