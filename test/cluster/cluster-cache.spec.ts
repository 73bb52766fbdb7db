// RedisCacheService on a real Redis Cluster (three masters started by the test): every method
// over keys spread across slots and nodes, tags whose version keys sit in other slots than the
// entries, clear() of one namespace on every master, and reads of one tick coalesced without
// CROSSSLOT errors. Both ways of connecting: forRoot({ cluster: { nodes } }) and an existing
// Cluster client passed as `client` (which the module must then leave open).
import calculateSlot from 'cluster-key-slot';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { RedisClusterHarness } from '../support/redis-cluster.js';

let cluster: RedisClusterHarness;
let raw: Cluster;

beforeAll(async () => {
  cluster = await RedisClusterHarness.start();
  raw = cluster.client();
});
afterAll(async () => {
  raw?.disconnect();
  await cluster?.dispose();
});

/** Keys of a namespace held by each master (SCAN on every master, as a user would check). */
async function keysPerMaster(namespace: string): Promise<string[][]> {
  return Promise.all(
    raw.nodes('master').map(async (node: Redis) => {
      const found: string[] = [];
      for (const match of [`${namespace}:*`, `${namespace}#*`]) {
        for await (const batch of node.scanStream({ match, count: 500 }) as AsyncIterable<string[]>)
          found.push(...batch);
      }
      return found;
    }),
  );
}

/** Calls of one command summed over the masters since `CONFIG RESETSTAT`. */
async function commandCalls(command: string): Promise<number> {
  const infos = await Promise.all(raw.nodes('master').map((node) => node.info('commandstats')));
  return infos
    .map((info) => Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0))
    .reduce((sum, calls) => sum + calls, 0);
}

const connections = {
  'forRoot({ cluster: { nodes } })': () => ({ cluster: { nodes: cluster.nodes } }),
  'an existing Cluster client': () => ({ client: cluster.client() }),
};

describe.each(Object.entries(connections))('on Redis Cluster, connected with %s', (_, connect) => {
  let app: CacheApp;
  let given: Cluster | undefined;
  beforeAll(async () => {
    const options = connect();
    given = 'client' in options ? options.client : undefined;
    app = await createCacheApp({ cache: options });
  });
  afterAll(async () => {
    await app?.close();
    given?.disconnect();
  });

  it('reports a cluster connection', () => {
    expect((app.cache.client as Cluster).isCluster).toBe(true);
  });

  it('set/get/has/ttl/del on keys spread over every master', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `item:${i}`);
    await Promise.all(keys.map((key, i) => app.cache.set(key, { i }, { ttl: '1m' })));
    // The keys really are spread: every master holds some of them.
    const perMaster = await keysPerMaster(app.namespace);
    expect(perMaster).toHaveLength(3);
    for (const held of perMaster) expect(held.length).toBeGreaterThan(0);

    for (const [i, key] of keys.entries()) expect(await app.cache.get(key)).toEqual({ i });
    expect(await app.cache.has('item:7')).toBe(true);
    expect(await app.cache.has('absent')).toBe(false);
    const ttl = await app.cache.ttl('item:3');
    expect(ttl).toBeGreaterThan(55);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await app.cache.ttl('absent')).toBeUndefined();

    // One del() over keys in many slots: no CROSSSLOT, the right count.
    expect(await app.cache.del(...keys.slice(0, 30), 'never-set')).toBe(30);
    expect(await app.cache.get('item:0')).toBeUndefined();
    expect(await app.cache.get('item:30')).toEqual({ i: 30 });
    expect(app.cache.stats().redis.errors).toBe(0);
  });

  it('mset/mget over many slots, all entries written and read back in order', async () => {
    const entries = Array.from({ length: 40 }, (_, i) => ({
      key: `m:${i}`,
      value: i % 2 ? `v${i}` : { n: i, at: new Date(i) },
      ttl: i % 3 ? ('1m' as const) : 0,
    }));
    // CRC16 of keys that differ in their last characters collides more than chance would (at
    // most 10 of these 40 share a slot, whatever the random namespace): "many" is 25 or more.
    const slots = new Set(entries.map((e) => calculateSlot(`${app.namespace}:${e.key}`)));
    expect(slots.size).toBeGreaterThanOrEqual(25);
    await app.cache.mset(entries);
    const values = await app.cache.mget([...entries.map((e) => e.key), 'm:none']);
    expect(values).toEqual([...entries.map((e) => e.value), undefined]);
    expect(await app.cache.ttl('m:0')).toBe(Number.POSITIVE_INFINITY);
    expect(app.cache.stats().redis.errors).toBe(0);
  });

  it('getOrSet computes once per miss and serves hits from the cluster', async () => {
    let calls = 0;
    const factory = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { computed: calls };
    };
    const first = await Promise.all(
      Array.from({ length: 20 }, () => app.cache.getOrSet('gos:a', factory)),
    );
    expect(calls).toBe(1);
    expect(new Set(first.map((v) => JSON.stringify(v)))).toEqual(new Set(['{"computed":1}']));
    expect(await app.cache.getOrSet('gos:a', factory)).toEqual({ computed: 1 });
    expect(calls).toBe(1);
    // Keys in other slots each get their own computation.
    await Promise.all(['gos:b', 'gos:c', 'gos:d'].map((key) => app.cache.getOrSet(key, factory)));
    expect(calls).toBe(4);
  });

  it('invalidateTags over tags and entries that live in different slots', async () => {
    const tags = ['product:1', 'product:2', 'category:shoes', 'brand:x'];
    // (With a random namespace two of them may share a slot, about once in 3,000 runs.)
    const tagSlots = new Set(tags.map((tag) => calculateSlot(`${app.namespace}#tag:${tag}`)));
    expect(tagSlots.size).toBeGreaterThan(1);
    await app.cache.set('p1', 'one', { tags: ['product:1', 'category:shoes'] });
    await app.cache.set('p2', 'two', { tags: ['product:2', 'category:shoes', 'brand:x'] });
    await app.cache.set('p3', 'three', { tags: ['brand:x'] });
    await app.cache.mset([
      { key: 'p4', value: 'four', tags: ['product:1', 'brand:x'] },
      { key: 'p5', value: 'five', tags: ['product:2'] },
    ]);
    const tagged = await app.cache.getOrSet('p6', () => 'six', { tags });
    expect(tagged).toBe('six');
    expect(await app.cache.mget(['p1', 'p2', 'p3', 'p4', 'p5', 'p6'])).toEqual([
      'one',
      'two',
      'three',
      'four',
      'five',
      'six',
    ]);

    await app.cache.invalidateTags('category:shoes', 'brand:x');
    expect(await app.cache.mget(['p1', 'p2', 'p3', 'p4', 'p5', 'p6'])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'five',
      undefined,
    ]);
    expect(await app.cache.has('p5')).toBe(true);
    expect(await app.cache.has('p1')).toBe(false);
    // Written again after the invalidation, an entry with the same tags is a hit.
    await app.cache.set('p1', 'one again', { tags: ['product:1', 'category:shoes'] });
    expect(await app.cache.get('p1')).toBe('one again');
    expect(app.cache.stats().redis.errors).toBe(0);
  });

  it('coalesces the reads of one tick across slots: right values, no CROSSSLOT, MGET per slot', async () => {
    // Keys with one hash tag share a slot (one MGET); the others each sit in their own slot.
    const sameSlot = Array.from({ length: 16 }, (_, i) => `{basket}:${i}`);
    const spread = Array.from({ length: 30 }, (_, i) => `spread:${i}`);
    await app.cache.mset([...sameSlot, ...spread].map((key) => ({ key, value: key })));
    // Lock releases of earlier lookups are sent without waiting for their reply (their Lua GETs
    // count in commandstats): a round trip on each of the app's node connections lets them land.
    const appNodes = (app.cache.client as Cluster).nodes('master');
    await Promise.all(appNodes.map((node) => node.ping()));
    await Promise.all(raw.nodes('master').map((node) => node.config('RESETSTAT')));

    const values = await Promise.all([...sameSlot, ...spread].map((key) => app.cache.get(key)));
    expect(values).toEqual([...sameSlot, ...spread]);
    // The 16 same-slot reads went out as one MGET, not 16 GETs; a spread key alone in its slot
    // is a plain GET. (With a random namespace a few keys may happen to share a slot: the reads
    // of a slot go out in parts of up to 16, a part of one as a GET.)
    const perSlot = new Map<number, number>();
    for (const key of [...sameSlot, ...spread]) {
      const slot = calculateSlot(`${app.namespace}:${key}`);
      perSlot.set(slot, (perSlot.get(slot) ?? 0) + 1);
    }
    let mgets = 0;
    let gets = 0;
    for (const count of perSlot.values()) {
      mgets += Math.floor(count / 16) + (count % 16 > 1 ? 1 : 0);
      gets += count % 16 === 1 ? 1 : 0;
    }
    expect(perSlot.get(calculateSlot(`${app.namespace}:{basket}:0`))).toBeGreaterThanOrEqual(16);
    expect(await commandCalls('mget')).toBe(mgets);
    expect(await commandCalls('get')).toBe(gets);
    expect(app.cache.stats().redis.errors).toBe(0);
  });

  it('clear() empties this namespace on every master and nothing else', async () => {
    const other = await createCacheApp({ cache: { cluster: { nodes: cluster.nodes } } });
    try {
      const keys = Array.from({ length: 50 }, (_, i) => `c:${i}`);
      await app.cache.mset(keys.map((key) => ({ key, value: 1, tags: ['t1'] })));
      await other.cache.mset(keys.map((key) => ({ key, value: 2, tags: ['t1'] })));
      expect((await keysPerMaster(app.namespace)).every((held) => held.length > 0)).toBe(true);

      await app.cache.clear();

      expect(await keysPerMaster(app.namespace)).toEqual([[], [], []]);
      expect(await other.cache.mget(keys)).toEqual(keys.map(() => 2));
      expect((await keysPerMaster(other.namespace)).flat().length).toBe(keys.length + 1);
    } finally {
      await other.close();
    }
  });
});

describe('forRoot({ cluster })', () => {
  it('leaves ioredis auto-pipelining off unless cluster.options asks (it breaks MOVED handling: redis/ioredis#2075)', async () => {
    const byDefault = await createCacheApp({ cache: { cluster: { nodes: cluster.nodes } } });
    const asked = await createCacheApp({
      cache: { cluster: { nodes: cluster.nodes, options: { enableAutoPipelining: true } } },
    });
    try {
      expect((byDefault.cache.client as Cluster).options.enableAutoPipelining).toBe(false);
      expect((asked.cache.client as Cluster).options.enableAutoPipelining).toBe(true);
    } finally {
      await Promise.all([byDefault.close(), asked.close()]);
    }
  });
});

describe('an existing Cluster client', () => {
  it('is left open when the app closes', async () => {
    const client = cluster.client();
    try {
      const app = await createCacheApp({ cache: { client } });
      await app.cache.set('kept', 1);
      await app.close();
      expect(client.status).toBe('ready');
      expect(await client.exists(`${app.namespace}:kept`)).toBe(1);
    } finally {
      client.disconnect();
    }
  });
});
