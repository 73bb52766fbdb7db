// One bad key must never become an outage. The service is driven with good keys (cached, tagged,
// read by many concurrent callers) while poisoned ones are thrown at it: keys holding another
// Redis type (set from outside), entries with 100,000 tags, values over limits.valueBytes, factories
// that throw or return nothing, and factories that kill their process midway (real child
// processes). Good keys keep hitting throughout (their hit ratio is the same as without the
// poison), Redis is never taken for unavailable, and at the end Redis holds no key that no entry
// needs (SCAN of the test's own namespace). A tag or lock key written from outside heals as an
// entry key does: the next write for it replaces it.
import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cacheable, type RedisCacheService } from '../../lib/index.js';
import { createCacheApp, uniqueNamespace, type CacheApp } from '../support/cache-app.js';
import { NodeChild } from '../support/child-process.js';
import { eventually, sleep } from '../support/eventually.js';
import { namespaceKeys, rawRedis } from '../support/raw-redis.js';
import { RedisServer } from '../support/redis-server.js';

const GOOD_KEYS = 40;
const CALLERS_PER_KEY = 3;
const ROUNDS = 8;
const MAX_VALUE_BYTES = 256 * 1024;

let server: RedisServer;
let raw: Redis;
let app: CacheApp;
let cache: RedisCacheService;
const namespace = uniqueNamespace('poison');

const goodTags = (i: number) => ['good', `good:${i}`];
let goodFactoryRuns = 0;
const goodValue = (i: number) => () => {
  goodFactoryRuns++;
  return { id: i, name: `product ${i}`, when: new Date(0) };
};

beforeAll(async () => {
  server = await RedisServer.start();
  raw = rawRedis(server.url);
  app = await createCacheApp({
    // A generous command timeout: on a loaded machine a slow reply would count as an outage, and
    // this test is about faults in keys, not in Redis.
    cache: {
      url: server.url,
      namespace,
      limits: { valueBytes: MAX_VALUE_BYTES },
      redisTimeouts: { command: '15s' },
    },
  });
  cache = app.cache;
});
afterAll(async () => {
  await app.close();
  await raw.quit();
  await server.dispose();
});

/** ROUNDS rounds of every good key read by CALLERS_PER_KEY concurrent callers; the hit ratio. */
async function goodTraffic(): Promise<number> {
  const runsBefore = goodFactoryRuns;
  let calls = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const lookups: Promise<unknown>[] = [];
    for (let i = 0; i < GOOD_KEYS; i++) {
      for (let c = 0; c < CALLERS_PER_KEY; c++) {
        calls++;
        lookups.push(
          c === 0
            ? cache.get(`good:${i}`).then((v) => (v === undefined ? goodValue(i)() : v))
            : cache.getOrSet(`good:${i}`, goodValue(i), { tags: goodTags(i), ttl: '1h' }),
        );
      }
    }
    const values = await Promise.all(lookups);
    values.forEach((value, n) =>
      expect(value).toMatchObject({ id: Math.floor(n / CALLERS_PER_KEY) }),
    );
  }
  return 1 - (goodFactoryRuns - runsBefore) / calls;
}

const settle = (work: Promise<unknown>) =>
  work.then(
    () => 'ok',
    (error: unknown) => (error as Error).constructor.name,
  );

/** Poisoned traffic of every kind that needs no other process, `rounds` times, concurrently. */
async function poisonTraffic(rounds: number): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  const tally = async (work: Promise<unknown>) => {
    const outcome = await settle(work);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  };
  const hugeTags = Array.from({ length: 100_000 }, (_, i) => `huge:${i}`);
  for (let round = 0; round < rounds; round++) {
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i++) {
      const id = `${round}:${i}`;
      // Factories that throw, or find nothing (a 404), with tags, with and without the lock.
      for (const lock of [true, false]) {
        work.push(
          tally(
            cache.getOrSet(
              `throws:${id}:${lock}`,
              () => {
                throw new Error('origin failed');
              },
              { tags: [`missing:${id}`, 'good'], lock },
            ),
          ),
          tally(
            cache.getOrSet(`absent:${id}:${lock}`, () => undefined, {
              tags: [`missing:${id}`],
              lock,
            }),
          ),
        );
      }
      // 100,000 tags on one entry; a value over limits.valueBytes, computed or set.
      work.push(
        tally(cache.set(`tags:${id}`, 1, { tags: hugeTags })),
        tally(
          cache.getOrSet(`big:${id}`, () => Buffer.alloc(MAX_VALUE_BYTES + 1), {
            tags: [`big:${id}`],
          }),
        ),
        tally(cache.set(`big-set:${id}`, 'x'.repeat(MAX_VALUE_BYTES + 1))),
      );
    }
    await Promise.all(work);
  }
  return outcomes;
}

/**
 * Checks that every key of the namespace is needed: an entry of a good key (or a wrong-type key
 * set from outside), or the tag of a stored entry. Returns the keys found.
 */
async function expectOnlyNeededKeys(extraEntries: string[] = []): Promise<string[]> {
  const keys = await namespaceKeys(raw, namespace);
  const neededTags = new Set(
    Array.from({ length: GOOD_KEYS }, (_, i) =>
      goodTags(i).map((t) => `${namespace}#tag:${t}`),
    ).flat(),
  );
  const unneeded = keys.filter((key) => {
    if (key.startsWith(`${namespace}:good:`)) return false;
    if (extraEntries.includes(key)) return false;
    return !neededTags.has(key);
  });
  expect(unneeded).toEqual([]);
  return keys;
}

describe('poisoned keys beside good ones', () => {
  it('good keys keep hitting while throwing, empty, over-tagged and oversized keys are hammered', async () => {
    // Warm the good keys, then measure them alone.
    await goodTraffic();
    const baseline = await goodTraffic();

    const [underPoison, outcomes] = await Promise.all([goodTraffic(), poisonTraffic(6)]);

    expect(baseline).toBe(1);
    expect(underPoison).toBeGreaterThanOrEqual(baseline - 0.01);
    // Every poisoned call failed alone, with its own named error.
    expect(outcomes).toEqual({
      Error: 6 * 5 * 2, // the factory's own error, passed through
      // The absent values (undefined, nothing stored) and the oversized computed ones (returned
      // to the caller, not stored).
      ok: 6 * 5 * 2 + 6 * 5,
      CacheTooManyTagsError: 6 * 5,
      CacheValueTooLargeError: 6 * 5, // set() of an oversized value
    });
    const { redis } = cache.stats();
    expect(redis.available).toBe(true);
    expect(redis.outages).toBe(0);
    expect(redis.errors).toBe(0);

    // Redis holds the good entries and their tags, nothing else: no tag key of a lookup that
    // stored nothing, no lock, no half-written entry.
    await eventually(
      async () => (await namespaceKeys(raw, namespace)).filter((key) => key.includes('#lock:')),
      (locks) => locks.length === 0,
      { what: 'no lock left' },
    );
    const keys = await expectOnlyNeededKeys();
    expect(keys).toHaveLength(GOOD_KEYS + GOOD_KEYS + 1);
  }, 120_000);

  it('a factory whose process dies midway leaves nothing behind once its leases end', async () => {
    const children = [0, 1].map((n) =>
      NodeChild.start('test/faults/fixtures/crashing-factory-node.ts', {
        REDIS_URL: server.url,
        CACHE_NAMESPACE: namespace,
        CRASH_KEY: `crash:${n}`,
        CRASH_TAGS: `crash:${n},good`,
      }),
    );
    try {
      // Good traffic goes on while the children start, take their locks and tags, and die.
      let allDead = false;
      void Promise.all(children.map((child) => child.exited)).then(() => (allDead = true));
      const traffic = (async () => {
        const ratios: number[] = [];
        while (!allDead) ratios.push(await goodTraffic());
        return ratios;
      })();
      for (const child of children) await child.waitFor('factory-started', 90_000);
      const codes = await Promise.all(children.map((child) => child.exited));
      expect(codes).toEqual([null, null]); // killed by a signal
      const ratios = await traffic;
      expect(Math.min(...ratios)).toBe(1);

      // Once the dead processes' leases end (lock 1 s, a tag created for the lookup 5 s), nothing
      // of them remains.
      await eventually(
        () => namespaceKeys(raw, namespace),
        (keys) => !keys.some((key) => key.includes('crash:') || key.includes('#lock:')),
        { timeoutMs: 15_000, what: 'the crashed lookups’ lock and tags expired' },
      );
      await expectOnlyNeededKeys();
      // The shared tag the dead processes reserved was not stretched or dropped: good entries hit.
      expect(await goodTraffic()).toBe(1);
    } finally {
      await Promise.all(children.map((child) => child.kill()));
    }
  }, 150_000);
});

describe('a key holding another Redis type (set from outside)', () => {
  it('fails only its own operations: good keys keep hitting, Redis stays available', async () => {
    const wrong = Array.from({ length: 5 }, (_, i) => `wrong:${i}`);
    const poison = () =>
      Promise.all(
        wrong.map((key) =>
          raw.del(`${namespace}:${key}`).then(() => raw.hset(`${namespace}:${key}`, 'f', '1')),
        ),
      );
    await poison();
    const baseline = await goodTraffic();
    const { outages: outagesBefore, errors: errorsBefore } = cache.stats().redis;

    const poisonedReads = (async () => {
      const seen: unknown[] = [];
      for (let round = 0; round < 6; round++) {
        await poison();
        for (const key of wrong) {
          seen.push(await cache.get(key));
          seen.push(await cache.has(key));
          seen.push(
            await settle(cache.getOrSet(key, () => 'recomputed', { lock: round % 2 === 0 })),
          );
        }
      }
      return seen;
    })();
    const [underPoison, seen] = await Promise.all([goodTraffic(), poisonedReads]);

    expect(underPoison).toBeGreaterThanOrEqual(baseline - 0.01);
    expect(seen.filter((v) => v !== undefined && v !== false && v !== 'ok')).toEqual([]);
    expect(cache.stats().redis.available).toBe(true);
    expect(cache.stats().redis.outages).toBe(outagesBefore);
    // The wrong-type replies were counted as errors of those operations.
    expect(cache.stats().redis.errors).toBeGreaterThan(errorsBefore);
    // After a get of a wrong-type key, a stored good key is still a hit.
    await poison();
    await cache.get('wrong:0');
    expect(await cache.get('good:0')).toMatchObject({ id: 0 });

    await Promise.all(wrong.map((key) => raw.del(`${namespace}:${key}`)));
    await expectOnlyNeededKeys();
  }, 120_000);
});

describe('a tag or lock key holding another Redis type (written from outside)', () => {
  const tagKey = (tag: string) => `${namespace}#tag:${tag}`;
  const lockKey = (key: string) => `${namespace}#lock:{${namespace}:${key}}`;

  it('a tag key is replaced by the next write for its tag: cached again, invalidateTags works', async () => {
    await raw.lpush(tagKey('listed'), 'from outside');
    let runs = 0;
    const lookup = () =>
      cache.getOrSet('listed:1', () => ({ run: ++runs }), { tags: ['listed'], ttl: '1h' });
    expect(await lookup()).toEqual({ run: 1 });
    expect(await lookup()).toEqual({ run: 1 });
    expect(await lookup()).toEqual({ run: 1 });
    expect(await raw.type(tagKey('listed'))).toBe('string');

    await cache.invalidateTags('listed');
    expect(await lookup()).toEqual({ run: 2 });
    expect(await lookup()).toEqual({ run: 2 });

    // set() with the tag replaces it too.
    await raw.del(tagKey('listed'));
    await raw.lpush(tagKey('listed'), 'from outside');
    await cache.set('listed:2', 'stored', { tags: ['listed'] });
    expect(await cache.get('listed:2')).toBe('stored');
    await cache.invalidateTags('listed');
    expect(await cache.get('listed:2')).toBeUndefined();
    await cache.del('listed:1', 'listed:2');
  });

  it('through @Cacheable: the cached method caches again after one more run', async () => {
    @Injectable()
    class Catalog {
      runs = 0;

      @Cacheable({ key: 'catalog:{0}', ttl: '1h', tags: (id: number) => [`catalog:${id}`] })
      async item(id: number): Promise<{ id: number; run: number }> {
        return { id, run: ++this.runs };
      }
    }
    const methods = await createCacheApp({
      providers: [Catalog],
      cache: { url: server.url, namespace, redisTimeouts: { command: '15s' } },
    });
    try {
      await raw.hset(tagKey('catalog:7'), 'f', '1');
      const catalog = methods.get(Catalog);
      for (let call = 0; call < 3; call++) expect(await catalog.item(7)).toEqual({ id: 7, run: 1 });
      expect(catalog.runs).toBe(1);
      await methods.cache.del('catalog:7');
    } finally {
      await methods.close();
    }
  });

  it('a lock key of another type is taken over, and fails no other key locked with it', async () => {
    const peer = await createCacheApp({
      cache: { url: server.url, namespace, redisTimeouts: { command: '15s' } },
    });
    try {
      await raw.hset(lockKey('hashed-lock'), 'f', '1');
      const { errors } = cache.stats().redis;
      // Misses of the same tick take their locks together: the foreign key and two beside it.
      const keys = ['hashed-lock', 'beside:1', 'beside:2'];
      const runs: Record<string, number> = {};
      const slow = (key: string) => async () => {
        runs[key] = (runs[key] ?? 0) + 1;
        await sleep(200);
        return `${key} computed`;
      };
      const values = await Promise.all(
        keys.flatMap((key) => [
          cache.getOrSet(key, slow(key)),
          peer.cache.getOrSet(key, slow(key)),
        ]),
      );
      expect(values).toEqual(keys.flatMap((key) => [`${key} computed`, `${key} computed`]));
      // One factory run per key across both instances: the single flight held for every key.
      expect(runs).toEqual({ 'hashed-lock': 1, 'beside:1': 1, 'beside:2': 1 });
      expect(cache.stats().redis.errors).toBe(errors);
      expect(await raw.exists(...keys.map(lockKey))).toBe(0);
      await cache.del(...keys);
    } finally {
      await peer.close();
    }
  });

  it('a lock key without expiry (a string set from outside) does not make each miss wait lock.wait', async () => {
    await raw.set(lockKey('stuck-lock'), 'from outside');
    const started = Date.now();
    expect(await cache.getOrSet('stuck-lock', () => 'computed')).toBe('computed');
    expect(Date.now() - started).toBeLessThan(2_000); // lock.wait is 10 s
    expect(await raw.exists(lockKey('stuck-lock'))).toBe(0);
    await cache.del('stuck-lock');
  });
});
