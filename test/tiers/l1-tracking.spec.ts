// l1: { invalidation: 'tracking' } on a real Redis (a server of its own, so its command counts are
// this file's): Redis reports key changes to every instance's subscriber (CLIENT TRACKING BCAST,
// redirected), so a write made outside the library (a plain client, as redis-cli) evicts L1, and
// the library's own writes publish nothing. Bad values and Redis Cluster fail at bootstrap.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CacheConfigError } from '../../lib/index.js';
import { createCacheApp, uniqueNamespace, type CacheApp } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import { entryKey, rawRedis, tagKey } from '../support/raw-redis.js';
import { RedisClusterHarness } from '../support/redis-cluster.js';
import { RedisServer } from '../support/redis-server.js';

const TRACKING = { ttl: '1m', invalidation: 'tracking' } as const;
let server: RedisServer;
let raw: Redis;
const apps: CacheApp[] = [];

beforeAll(async () => {
  server = await RedisServer.start();
  raw = rawRedis(server.url);
});
afterEach(async () => {
  for (const app of apps.splice(0).reverse()) await app.close();
});
afterAll(async () => {
  raw?.disconnect();
  await server?.dispose();
});

async function instance(namespace: string, l1: object = TRACKING): Promise<CacheApp> {
  const app = await createCacheApp({ cache: { url: server.url, namespace, l1 } });
  apps.push(app);
  await eventually(
    () => app.cache.stats().l1!.active,
    (active) => active,
    { what: 'L1 active (subscribed, tracking on)' },
  );
  return app;
}

const l1Hits = (app: CacheApp) => app.cache.stats().l1!.hits;

/** `app` serves `key` from its L1 (a read that fills it, then one that hits it). */
async function heldInL1(app: CacheApp, key: string, value: unknown): Promise<void> {
  await eventually(
    async () => {
      expect(await app.cache.get(key)).toEqual(value);
      const before = l1Hits(app);
      expect(await app.cache.get(key)).toEqual(value);
      return l1Hits(app) - before;
    },
    (hits) => hits === 1,
    { what: `${key} served from L1` },
  );
}

async function publishCalls(): Promise<number> {
  const info = await raw.info('commandstats');
  return Number(/^cmdstat_publish:calls=(\d+)/m.exec(info)?.[1] ?? 0);
}

describe("l1: { invalidation: 'tracking' }", () => {
  it('turns tracking on for the cache connection, redirected to the subscriber, over the namespace', async () => {
    const app = await instance(uniqueNamespace('trk'));
    const clients = await raw.client('LIST');
    const tracking = String(clients)
      .split('\n')
      .filter((line) => / flags=\S*t/.test(line) && /flags=\S*B/.test(line));
    expect(tracking.length).toBeGreaterThanOrEqual(1);
    const ns = app.namespace;
    const info = (await app.cache.client.call('CLIENT', 'TRACKINGINFO')) as unknown[];
    const text = JSON.stringify(info);
    expect(text).toContain('bcast');
    expect(text).toContain('noloop');
    expect(text).toContain(`${ns}:`);
    expect(text).toContain(`${ns}#tag:`);
  });

  it('a DEL or SET made outside the library evicts every instance’s L1', async () => {
    const namespace = uniqueNamespace('trk');
    const a = await instance(namespace);
    const b = await instance(namespace);
    await a.cache.set('k', 'v1');
    await a.cache.set('other', 'v2');
    await heldInL1(a, 'k', 'v1');
    await heldInL1(b, 'k', 'v1');

    // Another service copies an entry over k (as redis-cli would): both instances see it.
    await raw.set(entryKey(namespace, 'k'), (await raw.getBuffer(entryKey(namespace, 'other')))!);
    for (const app of [a, b])
      await eventually(
        () => app.cache.get('k'),
        (value) => value === 'v2',
        { what: 'the outside SET seen' },
      );
    await heldInL1(b, 'k', 'v2');
    await raw.del(entryKey(namespace, 'k'));
    for (const app of [a, b])
      await eventually(
        () => app.cache.get('k'),
        (value) => value === undefined,
        { what: 'the outside DEL seen' },
      );
  });

  it('set, del and invalidateTags in one instance evict the other’s L1 without a PUBLISH', async () => {
    const namespace = uniqueNamespace('trk');
    const a = await instance(namespace);
    const b = await instance(namespace);
    await a.cache.set('s', 'one');
    await a.cache.set('d', 'here');
    let runs = 0;
    await b.cache.getOrSet('t', () => `x${++runs}`, { tags: ['team'] });
    await heldInL1(b, 's', 'one');
    await heldInL1(b, 'd', 'here');
    await heldInL1(b, 't', 'x1');

    const published = await publishCalls();
    await a.cache.set('s', 'two');
    await a.cache.del('d');
    await a.cache.invalidateTags('team');
    expect(await publishCalls()).toBe(published);

    await eventually(
      () => b.cache.mget(['s', 'd']),
      (values) => values[0] === 'two' && values[1] === undefined,
      { what: 'B reading the new value and the deletion' },
    );
    await eventually(
      () => b.cache.getOrSet('t', () => `x${++runs}`, { tags: ['team'] }),
      (value) => value === 'x2',
      { what: 'B recomputing the invalidated tag' },
    );
    // The tag version key is what changed.
    expect(await raw.exists(tagKey(namespace, 'team'))).toBe(1);
  });

  it('an instance keeps its own writes in L1 (NOLOOP): no eviction by its own set', async () => {
    const a = await instance(uniqueNamespace('trk'));
    await a.cache.getOrSet('own', () => 'mine');
    await heldInL1(a, 'own', 'mine');
    await a.cache.set('own', 'again');
    await heldInL1(a, 'own', 'again');
  });

  it('a lock waiter on another instance is woken by the holder’s write', async () => {
    const namespace = uniqueNamespace('trk');
    const a = await instance(namespace);
    const b = await instance(namespace);
    let runs = 0;
    const slow = async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return 'computed';
    };
    const started = Date.now();
    const values = await Promise.all([a.cache.getOrSet('w', slow), b.cache.getOrSet('w', slow)]);
    expect(values).toEqual(['computed', 'computed']);
    expect(runs).toBe(1);
    // Woken by the invalidation, not by the lock wait's safety re-check at its end (10 s).
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('after the subscriber or the cache connection was cut, tracking is on again and L1 coherent', async () => {
    const namespace = uniqueNamespace('trk');
    const a = await instance(namespace);
    await a.cache.set('k', 'v1');
    await heldInL1(a, 'k', 'v1');
    for (const type of ['pubsub', 'normal']) {
      // Every connection of that type on this server (this file's own server: only its apps).
      await raw.call('CLIENT', 'KILL', 'TYPE', type, 'SKIPME', 'yes');
      await eventually(
        () => a.cache.stats().l1!.active,
        (active) => active,
        { what: `L1 active again after the ${type} connection was cut` },
      );
      await heldInL1(a, 'k', await a.cache.get('k'));
      const value = `outside-${type}`;
      await a.cache.set('carrier', value);
      await raw.copy(entryKey(namespace, 'carrier'), entryKey(namespace, 'k'), 'REPLACE');
      await eventually(
        () => a.cache.get('k'),
        (seen) => seen === value,
        { what: `the outside write seen after the ${type} connection was cut` },
      );
    }
  });

  it('turns tracking off on the connection at shutdown', async () => {
    const app = await createCacheApp({ cache: { url: server.url, l1: TRACKING } });
    const client = app.cache.client;
    const given = await createCacheApp({
      cache: { client, namespace: app.namespace, l1: TRACKING },
    });
    await eventually(
      () => given.cache.stats().l1!.active,
      (active) => active,
    );
    await given.close();
    expect(JSON.stringify(await client.call('CLIENT', 'TRACKINGINFO'))).toContain('off');
    await app.close();
  });

  it('rejects an unknown mode, and Redis Cluster, at bootstrap', async () => {
    await expect(
      createCacheApp({ cache: { url: server.url, l1: { invalidation: 'push' as never } } }),
    ).rejects.toThrow(CacheConfigError);
    await expect(
      createCacheApp({ cache: { url: server.url, l1: { invalidation: 'push' as never } } }),
    ).rejects.toThrow(/l1\.invalidation/);
    const cluster = await RedisClusterHarness.start(3);
    try {
      await expect(
        createCacheApp({ cache: { cluster: { nodes: cluster.nodes }, l1: TRACKING } }),
      ).rejects.toThrow(/l1\.invalidation.*Cluster/);
    } finally {
      await cluster.dispose();
    }
  });
});
