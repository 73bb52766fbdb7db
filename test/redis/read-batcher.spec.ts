// The read batcher: the GETs issued in one event-loop turn go to Redis as MGETs of up to 16 keys
// (sent in one write), and every caller still gets the value of its own key, duplicates and misses
// included.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ReadBatcher } from '../../lib/redis/read-batcher.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { RedisServer } from '../support/redis-server.js';

let server: RedisServer;
let client: Redis;

beforeAll(async () => {
  server = await RedisServer.start();
  client = new Redis(server.url);
});
beforeEach(async () => {
  await client.flushall();
  await client.config('RESETSTAT');
});
afterAll(async () => {
  await client.quit();
  await server.dispose();
});

/** How many times Redis ran each command since the last RESETSTAT. */
async function commandCalls(): Promise<Record<string, number>> {
  const info = await client.info('commandstats');
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/cmdstat_([\w|]+):calls=(\d+)/g))
    calls[match[1]] = Number(match[2]);
  return calls;
}

describe('ReadBatcher', () => {
  it('many concurrent gets in one tick each get their own value, as MGETs of 16 keys', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
    await client.mset(...keys.flatMap((key) => [key, `value of ${key}`]));
    await client.config('RESETSTAT');
    const batcher = new ReadBatcher(client, false);

    // Present keys, duplicates and misses, interleaved.
    const asked = [...keys, 'missing-1', 'k7', 'k7', 'missing-2', 'k199', 'k0'];
    const values = await Promise.all(asked.map((key) => batcher.get(key)));

    expect(values.map((value) => value?.toString())).toEqual(
      asked.map((key) => (key.startsWith('missing') ? undefined : `value of ${key}`)),
    );
    const calls = await commandCalls();
    expect(calls.mget).toBe(Math.ceil(asked.length / 16));
    expect(calls.get ?? 0).toBe(0);
  });

  it('returns Buffers, byte for byte', async () => {
    const bytes = Buffer.from([0, 255, 1, 254, 0x31, 0x30]);
    await client.set('bin', bytes);
    const batcher = new ReadBatcher(client, false);
    const [a, b] = await Promise.all([batcher.get('bin'), batcher.get('nope')]);
    expect(Buffer.isBuffer(a)).toBe(true);
    expect(a).toEqual(bytes);
    expect(b).toBeNull();
  });

  it('a lone get is a plain GET', async () => {
    await client.set('solo', 'v');
    await client.config('RESETSTAT');
    const batcher = new ReadBatcher(client, false);
    expect((await batcher.get('solo'))?.toString()).toBe('v');
    const calls = await commandCalls();
    expect(calls.get).toBe(1);
    expect(calls.mget ?? 0).toBe(0);
  });

  it('gets made by separate callbacks of one turn (as an HTTP server handles the requests that arrived together) go as one MGET', async () => {
    await client.mset('a', '1', 'b', '2', 'c', '3');
    await client.config('RESETSTAT');
    const batcher = new ReadBatcher(client, false);
    const reads = await new Promise<Promise<Buffer | null>[]>((resolve) => {
      const made: Promise<Buffer | null>[] = [];
      // Three callbacks of the same check phase, each its own macrotask.
      for (const key of ['a', 'b', 'c'])
        setImmediate(() => {
          made.push(batcher.get(key));
          if (made.length === 3) resolve(made);
        });
    });
    expect((await Promise.all(reads)).map(String)).toEqual(['1', '2', '3']);
    const calls = await commandCalls();
    expect(calls.mget).toBe(1);
    expect(calls.get ?? 0).toBe(0);
  });

  it('gets in different turns are separate batches, each right', async () => {
    await client.mset('a', '1', 'b', '2', 'c', '3');
    const batcher = new ReadBatcher(client, false);
    const first = Promise.all([batcher.get('a'), batcher.get('b')]);
    await new Promise((resolve) => setImmediate(resolve));
    const second = Promise.all([batcher.get('c'), batcher.get('a'), batcher.get('zz')]);
    expect((await first).map(String)).toEqual(['1', '2']);
    expect((await second).map((v) => v?.toString())).toEqual(['3', '1', undefined]);
  });

  it('getMany keeps the order of its keys', async () => {
    await client.mset('x', 'X', 'y', 'Y');
    const batcher = new ReadBatcher(client, false);
    const [many, single] = await Promise.all([
      batcher.getMany(['y', 'nope', 'x', 'y']),
      batcher.get('x'),
    ]);
    expect(many.map((v) => v?.toString())).toEqual(['Y', undefined, 'X', 'Y']);
    expect(single?.toString()).toBe('X');
  });

  it('a failed batch rejects every caller in it', async () => {
    const broken = new Redis(server.url, { lazyConnect: true, enableOfflineQueue: false });
    broken.on('error', () => undefined);
    const batcher = new ReadBatcher(broken, false);
    const outcomes = await Promise.allSettled([batcher.get('a'), batcher.get('b')]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    broken.disconnect();
  });
});

describe('batched reads through RedisCacheService', () => {
  let app: CacheApp;
  beforeAll(async () => {
    app = await createCacheApp({ cache: { url: server.url } });
  });
  afterAll(() => app.close());

  it('concurrent get/getOrSet/has calls for many keys each get their own answer', async () => {
    const { cache } = app;
    const keys = Array.from({ length: 300 }, (_, i) => `item:${i}`);
    await cache.mset(
      keys.map((key, i) => ({ key, value: { i }, tags: i % 3 === 0 ? ['third'] : undefined })),
    );
    await cache.invalidateTags('third');
    await client.config('RESETSTAT');

    const [gets, hits] = await Promise.all([
      Promise.all([...keys, 'missing', 'item:1', 'item:1'].map((key) => cache.get(key))),
      Promise.all(keys.map((key) => cache.has(key))),
    ]);
    const expected = (i: number) => (i % 3 === 0 ? undefined : { i });
    expect(gets).toEqual([...keys.map((_, i) => expected(i)), undefined, { i: 1 }, { i: 1 }]);
    expect(hits).toEqual(keys.map((_, i) => i % 3 !== 0));
    let factoryCalls = 0;
    const values = await Promise.all(
      keys.map((key) => cache.getOrSet(key, () => (factoryCalls++, 'fresh'))),
    );
    expect(values).toEqual(keys.map((_, i) => expected(i) ?? 'fresh'));
    expect(factoryCalls).toBe(100);
  });

  it('concurrent gets of untagged entries cost Redis one MGET, not one GET each', async () => {
    const { cache } = app;
    const keys = Array.from({ length: 15 }, (_, i) => `plain:${i}`);
    await cache.mset(keys.map((key, i) => ({ key, value: i })));
    // Lock releases of earlier lookups are sent without waiting for their reply (and their Lua
    // GETs count in commandstats): a round trip on the app's connection lets them land first.
    await (cache.client as Redis).ping();
    await client.config('RESETSTAT');
    const values = await Promise.all([...keys, 'plain:missing'].map((key) => cache.get(key)));
    expect(values).toEqual([...keys.map((_, i) => i), undefined]);
    const calls = await commandCalls();
    expect(calls.mget).toBe(1);
    expect(calls.get ?? 0).toBe(0);
  });
});
