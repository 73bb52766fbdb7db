// The distributed lock behind getOrSet, seen from Redis: many concurrent misses share a few script
// calls and leave no lock behind; a holder tells waiters its value is written (they do not sit out
// the lease), and sends no message when nobody waits; a killed holder's lock ends with its lease.
// Leases, lock waits and factories take real time (Redis enforces the lease); entries go stale on
// a ManualClock (advanced, not slept for).
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CacheFactoryTimeoutError } from '../../lib/index.js';
import { ManualClock } from '../../lib/testing/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { eventually, sleep } from '../support/eventually.js';
import { namespaceKeys, rawRedis } from '../support/raw-redis.js';
import { RedisServer } from '../support/redis-server.js';

let server: RedisServer;
let redis: Redis;
let a: CacheApp;
let b: CacheApp;

beforeAll(async () => {
  // A server of its own: the test counts commands with INFO commandstats.
  server = await RedisServer.start();
  redis = rawRedis(server.url);
  a = await createCacheApp({ cache: { url: server.url, namespace: 'locks' } });
  b = await createCacheApp({ cache: { url: server.url, namespace: 'locks' } });
});
afterAll(async () => {
  await a.close();
  await b.close();
  await redis.quit();
  await server.dispose();
});
beforeEach(() => redis.config('RESETSTAT'));

/** The lock key of `key` in the 'locks' namespace (locks#lock:{<entry key>}). */
const lockKey = (key: string) => `locks#lock:{locks:${key}}`;

/** Resolves once some instance holds the lock of `key`. */
async function lockTaken(key: string): Promise<void> {
  await eventually(
    () => redis.exists(lockKey(key)),
    (exists) => exists === 1,
    { what: `the lock of "${key}" taken` },
  );
}

async function calls(command: string): Promise<number> {
  const info = await redis.info('commandstats');
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

/** Messages published on the namespace's bus channel while `during` runs (and shortly after). */
async function busMessages(during: () => Promise<unknown>): Promise<string[]> {
  const subscriber = redis.duplicate();
  const seen: string[] = [];
  subscriber.on('message', (_channel: string, message: string) => seen.push(message));
  await subscriber.subscribe('locks#bus:events');
  try {
    await during();
    await sleep(100);
  } finally {
    subscriber.disconnect();
  }
  return seen;
}

describe('the stampede lock on Redis', () => {
  it('100 concurrent misses on distinct keys: every value stored, a few script calls, no lock left', async () => {
    const keys = Array.from({ length: 100 }, (_, i) => `many:${i}`);
    let factoryCalls = 0;
    const values = await Promise.all(
      keys.map((key) => a.cache.getOrSet(key, () => (factoryCalls++, `value of ${key}`))),
    );
    expect(values).toEqual(keys.map((key) => `value of ${key}`));
    expect(factoryCalls).toBe(100);
    expect(await b.cache.mget(keys)).toEqual(values);
    // The releases ride behind the writes: count the scripts once every lock is gone, well
    // before a left-behind lock would end with its 5 s lease.
    await eventually(
      async () => (await namespaceKeys(redis, 'locks')).filter((key) => key.includes('#lock:')),
      (locks) => locks.length === 0,
      { timeoutMs: 1_000, what: 'every lock released' },
    );
    // Taking 100 locks and releasing them (with the writes) is batched per tick, in parts of 16:
    // far fewer script calls than the 200 one-lock scripts plus 100 SETs of an unbatched lock.
    expect(await calls('evalsha')).toBeLessThanOrEqual(2 * Math.ceil(100 / 16) + 2);
  });

  it('the write that releases the lock keeps the TTL: in ms, or no expiry for ttl 0', async () => {
    await a.cache.getOrSet('with-ttl', () => 'v', { ttl: '90s' });
    await a.cache.getOrSet('forever', () => 'v', { ttl: 0 });
    const left = await redis.pttl('locks:with-ttl');
    expect(left).toBeGreaterThan(85_000);
    expect(left).toBeLessThanOrEqual(90_000);
    expect(await redis.pttl('locks:forever')).toBe(-1);
    expect(await a.cache.ttl('forever')).toBe(Infinity);
  });

  it('an uncontended miss sends no message on the bus', async () => {
    const messages = await busMessages(() => a.cache.getOrSet('alone', () => 'v'));
    expect(messages).toEqual([]);
    expect(await b.cache.get('alone')).toBe('v');
  });

  it("a waiter in another instance is woken by the holder's write, not by the end of the lease", async () => {
    let factoryCalls = 0;
    const slow = async () => {
      factoryCalls++;
      await sleep(300);
      return 'computed once';
    };
    const started = Date.now();
    let waiterDoneAfter = 0;
    const messages = await busMessages(async () => {
      const holder = a.cache.getOrSet('contended', slow, { lock: { lease: '10s' } });
      await lockTaken('contended');
      const waiter = b.cache
        .getOrSet('contended', slow, { lock: { lease: '10s' } })
        .finally(() => (waiterDoneAfter = Date.now() - started));
      expect(await Promise.all([holder, waiter])).toEqual(['computed once', 'computed once']);
    });
    expect(factoryCalls).toBe(1);
    // The lease left when the waiter asked was ~10 s: it was woken right after the write.
    expect(waiterDoneAfter).toBeLessThan(2_000);
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0])).toMatchObject({ k: ['contended'] });
  });

  it('keys whose lock keys could read alike ("foo", "{locks:foo}") never share a lock', async () => {
    const slow = async () => {
      await sleep(300);
      return 'foo';
    };
    const holder = a.cache.getOrSet('foo', slow, { lock: { lease: '10s' } });
    await lockTaken('foo');
    const started = Date.now();
    expect(await b.cache.getOrSet('{locks:foo}', () => 'braced')).toBe('braced');
    expect(Date.now() - started).toBeLessThan(250);
    expect(await holder).toBe('foo');
  });

  it('the lease is renewed while the factory runs, up to lock.maxHold and no further', async () => {
    let finish!: (value: string) => void;
    const hung = () => new Promise<string>((resolve) => (finish = resolve));
    const holder = a.cache.getOrSet('held-long', hung, {
      lock: { lease: '600ms', maxHold: '1500ms' },
    });
    await sleep(1_000);
    // Renewed past its first 600 ms lease.
    expect(await redis.pttl(lockKey('held-long'))).toBeGreaterThan(0);
    // Ran out at 1.5 s (Redis ends the last lease), though the factory runs on: gone by 2 s.
    await eventually(
      () => redis.exists(lockKey('held-long')),
      (exists) => exists === 0,
      { timeoutMs: 1_000, what: 'the lock gone after lock.maxHold' },
    );
    const started = Date.now();
    expect(await b.cache.getOrSet('held-long', () => 'from b')).toBe('from b');
    expect(Date.now() - started).toBeLessThan(2_000); // not lock.wait (10 s)
    finish('from a');
    expect(await holder).toBe('from a');
  });

  it("a holder's hardTimeout lets the lock go when it fires; a late value is still stored", async () => {
    let finish!: (value: string) => void;
    const hung = () => new Promise<string>((resolve) => (finish = resolve));
    const holder = a.cache.getOrSet('timed-out', hung, { hardTimeout: '300ms' });
    await expect(holder).rejects.toBeInstanceOf(CacheFactoryTimeoutError);
    const started = Date.now();
    expect(await b.cache.getOrSet('timed-out', () => 'from b')).toBe('from b');
    expect(Date.now() - started).toBeLessThan(2_000); // not lock.wait (10 s)
    finish('from a');
    await eventually(
      () => b.cache.get('timed-out'),
      (value) => value === 'from a',
      { what: 'the late value stored' },
    );
  });

  it('a holder whose factory fails wakes the waiter, which then computes', async () => {
    const started = Date.now();
    const failing = async () => {
      await sleep(200);
      throw new Error('origin down');
    };
    const holder = a.cache.getOrSet('failed-holder', failing, { lock: { lease: '10s' } });
    await lockTaken('failed-holder');
    const waiter = b.cache.getOrSet('failed-holder', () => 'from the waiter', {
      lock: { lease: '10s' },
    });
    await expect(holder).rejects.toThrow('origin down');
    expect(await waiter).toBe('from the waiter');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('the stampede lock when Redis answers too late', () => {
  it('a lock attempt that timed out but ran later does not leave the lock behind', async () => {
    const slow = await createCacheApp({
      cache: {
        url: server.url,
        namespace: 'late',
        redisTimeouts: { command: '150ms', retryAfter: '100ms' },
      },
    });
    try {
      // Write commands (scripts included) wait for 600 ms; reads are still served. The lookup's
      // GET is answered (a miss), its lock attempt is not: the caller gives up after 150 ms and
      // computes without coordination, while Redis will run the attempt once the pause ends.
      // A first lookup loads the lock scripts into Redis (EVALSHA finds them from now on).
      await slow.cache.getOrSet('warm-up', () => 'warm');
      await redis.call('CLIENT', 'PAUSE', '600', 'WRITE');
      const started = Date.now();
      expect(
        await slow.cache.getOrSet('late-key', () => 'computed', { lock: { lease: '30s' } }),
      ).toBe('computed');
      expect(Date.now() - started).toBeLessThan(500);
      // After the pause the attempt runs and takes the lock, and the release sent behind it lets
      // it go: the key is not blocked for the 30 s lease.
      await sleep(900);
      expect((await namespaceKeys(redis, 'late')).filter((key) => key.includes('#lock:'))).toEqual(
        [],
      );
      const again = Date.now();
      expect(
        await slow.cache.getOrSet('late-key', () => 'second', { lock: { lease: '30s' } }),
      ).toBe('second');
      expect(Date.now() - again).toBeLessThan(500);
    } finally {
      await redis.call('CLIENT', 'UNPAUSE').catch(() => undefined);
      await slow.close();
    }
  });
});

describe('under traffic that mostly misses', () => {
  let heavy: CacheApp;
  let peer: CacheApp;
  /** Both instances' clock: entries go stale when it is advanced. */
  const clock = new ManualClock();
  beforeAll(async () => {
    heavy = await createCacheApp({ cache: { url: server.url, namespace: 'heavy' }, clock });
    peer = await createCacheApp({ cache: { url: server.url, namespace: 'heavy' }, clock });
  });
  afterAll(async () => {
    await heavy.close();
    await peer.close();
  });

  /** Concurrent lookups of keys nobody cached: enough for an instance to call its traffic miss-heavy. */
  async function missALot(app: CacheApp, prefix: string): Promise<void> {
    for (let batch = 0; batch < 5; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          app.cache.getOrSet(`${prefix}:${batch}:${i}`, () => i),
        ),
      );
    }
  }

  it('lookups skip the plain read (the lock attempt reads the entry), until hits return', async () => {
    await missALot(heavy, 'cold');
    await redis.config('RESETSTAT');
    const keys = Array.from({ length: 10 }, (_, i) => `more:${i}`);
    expect(await Promise.all(keys.map((key, i) => heavy.cache.getOrSet(key, () => i)))).toEqual(
      keys.map((_, i) => i),
    );
    expect(await calls('mget')).toBe(0);

    // Hits bring the plain reads back: ten concurrent reads are one MGET again.
    for (let round = 0; round < 6; round++)
      await Promise.all(keys.map((key) => heavy.cache.getOrSet(key, () => -1)));
    await redis.config('RESETSTAT');
    expect(await Promise.all(keys.map((key) => heavy.cache.getOrSet(key, () => -1)))).toEqual(
      keys.map((_, i) => i),
    );
    expect(await calls('mget')).toBe(1);
  });

  it('a fresh entry is a hit: no factory call, no lock taken', async () => {
    await missALot(heavy, 'cold-2');
    await peer.cache.set('present', 'stored');
    let factoryCalls = 0;
    await redis.config('RESETSTAT');
    expect(await heavy.cache.getOrSet('present', () => (factoryCalls++, 'computed'))).toBe(
      'stored',
    );
    expect(factoryCalls).toBe(0);
    // The attempt found the entry and did not try the lock: no SET NX, no release.
    expect(await calls('set')).toBe(0);
    expect(await calls('del')).toBe(0);
  });

  it('a stale entry within its grace is served at once while one refresh runs', async () => {
    await heavy.cache.getOrSet('graceful', () => 'v1', { ttl: '100ms', grace: '10s' });
    clock.advance(150);
    await missALot(heavy, 'cold-3');
    let refreshes = 0;
    const refresh = async () => {
      refreshes++;
      await sleep(100);
      return 'v2';
    };
    expect(await heavy.cache.getOrSet('graceful', refresh, { ttl: '5s', grace: '10s' })).toBe('v1');
    // The background refresh (a real 100 ms) stores v2, which the other instance reads.
    await eventually(
      () => peer.cache.get('graceful'),
      (value) => value === 'v2',
      { what: 'the refreshed value' },
    );
    expect(refreshes).toBe(1);
  });

  it('two miss-heavy instances on one cold key: one factory run', async () => {
    await Promise.all([missALot(heavy, 'cold-4'), missALot(peer, 'cold-5')]);
    let runs = 0;
    const factory = async () => {
      runs++;
      await sleep(200);
      return 'once';
    };
    const results = await Promise.all(
      [heavy, peer, heavy, peer].map((app) =>
        app.cache.getOrSet('shared-cold', factory, { lock: { lease: '10s' } }),
      ),
    );
    expect(results).toEqual(['once', 'once', 'once', 'once']);
    expect(runs).toBe(1);
  });
});
