// Stale-while-revalidate, fail-safe and factory timeouts of getOrSet on one server, what is
// single-node only: how soon a stale value comes (timed), ttl() with grace, expiry without grace,
// a fast factory within the soft timeout, hard timeouts, lock-wait fallbacks, the entry format and
// option validation. Entries go stale on the app's ManualClock (advance, no sleep); factories,
// timeouts and lock waits take real time, and so does Redis's own expiry. What a caller gets from
// a stale entry, a failing origin (fail-safe, back-off) or a slow one past the soft timeout, and
// what the cache holds afterwards, is asserted on every topology in
// test/topologies/grace-and-fail-safe.spec.ts.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CacheConfigError,
  CacheFactoryTimeoutError,
  CacheLockTimeoutError,
  InvalidTtlError,
  type GetOrSetOptions,
} from '../../lib/index.js';
import { ManualClock } from '../../lib/testing/index.js';
import { resolveOptions } from '../../lib/engine/resolve-options.js';
import { shouldRecomputeEarly } from '../../lib/lookup/factory-run.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { eventually, sleep } from '../support/eventually.js';
import { entryKey, rawRedis } from '../support/raw-redis.js';

let app: CacheApp;
let redis: Redis;
const clock = new ManualClock();
beforeAll(async () => {
  app = await createCacheApp({ clock });
  redis = rawRedis();
});
afterAll(async () => {
  await app.close();
  await redis.quit();
});

/** A factory that counts its calls and returns `value` after `ms`, or throws when `fail`. */
function origin(value: string, ms = 0, fail = false) {
  const factory = async () => {
    factory.calls++;
    await sleep(ms);
    if (fail) throw new Error('origin down');
    return value;
  };
  factory.calls = 0;
  return factory;
}

async function staleEntry(key: string, options: GetOrSetOptions): Promise<void> {
  await app.cache.getOrSet(key, () => 'v1', { grace: '10s', ...options, ttl: '100ms' });
  clock.advance(150);
}

describe('stale-while-revalidate', () => {
  it('with the default timeout (0) the stale value comes at once: five calls within the refresh’s own 300 ms', async () => {
    await staleEntry('swr', {});
    const refresh = origin('v2', 300);
    const started = Date.now();
    const served: string[] = [];
    for (let i = 0; i < 5; i++) {
      served.push(await app.cache.getOrSet('swr', refresh, { ttl: '10s', grace: '10s' }));
    }
    // Under the refresh's own 300 ms: no call waited for it (a loaded CI took 113 ms for these five).
    expect(Date.now() - started).toBeLessThan(300);
    expect(served).toEqual(['v1', 'v1', 'v1', 'v1', 'v1']);
  });

  it('ttl() of an entry with grace is the freshness left, not its life in Redis', async () => {
    await app.cache.getOrSet('fresh-ttl', () => 'v', { ttl: '2s', grace: '1h' });
    const ttl = (await app.cache.ttl('fresh-ttl'))!;
    expect(ttl).toBeGreaterThan(1.5);
    expect(ttl).toBeLessThanOrEqual(2);
  });

  it('without grace an expired entry is gone: the caller waits for the factory', async () => {
    await app.cache.getOrSet('no-grace', () => 'v1', { ttl: '100ms' });
    // Gone: Redis's own expiry (PX) runs on real time.
    await eventually(
      () => redis.exists(entryKey(app.namespace, 'no-grace')),
      (exists) => exists === 0,
      { timeoutMs: 1_000, what: 'the entry expired in Redis' },
    );
    expect(await app.cache.getOrSet('no-grace', origin('v2', 20))).toBe('v2');
  });
});

describe('soft and hard timeouts', () => {
  it('a slow factory past the soft timeout: the stale value within 250 ms, not after the factory’s 300 ms', async () => {
    const options = { ttl: '10s', grace: '10s', timeout: '50ms' } as const;
    await staleEntry('slow', options);
    const started = Date.now();
    expect(await app.cache.getOrSet('slow', origin('v2', 300), options)).toBe('v1');
    expect(Date.now() - started).toBeLessThan(250);
  });

  it('a fast factory within the soft timeout returns the fresh value', async () => {
    const options = { ttl: '10s', grace: '10s', timeout: '300ms' } as const;
    await staleEntry('soft-fast', options);
    expect(await app.cache.getOrSet('soft-fast', origin('v2', 20), options)).toBe('v2');
  });

  it('past the hard timeout with no stale value: CacheFactoryTimeoutError, value stored later', async () => {
    const slow = origin('late', 400);
    const started = Date.now();
    const error = await app.cache
      .getOrSet('hard', slow, { hardTimeout: '100ms' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheFactoryTimeoutError);
    expect((error as CacheFactoryTimeoutError).code).toBe('E_CACHE_FACTORY_TIMEOUT');
    expect((error as CacheFactoryTimeoutError).key).toBe('hard');
    expect(Date.now() - started).toBeLessThan(350);
    // The factory (a real 400 ms) goes on and stores its value.
    await eventually(
      () => app.cache.get('hard'),
      (value) => value === 'late',
      { what: 'the late value stored' },
    );
  });

  it('past the hard timeout with a stale value: the stale value', async () => {
    const options = { ttl: '10s', grace: '10s', timeout: false, hardTimeout: '100ms' } as const;
    await staleEntry('hard-stale', options);
    const started = Date.now();
    expect(await app.cache.getOrSet('hard-stale', origin('v2', 400), options)).toBe('v1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(Date.now() - started).toBeLessThan(350);
  });
});

describe('lock wait fallback', () => {
  it("another instance computing longer than lock.wait: 'throw' fails, 'compute' computes", async () => {
    const other = await createCacheApp({ cache: { namespace: app.namespace } });
    try {
      // Long enough to outlast both waits below even on a loaded machine.
      const holder = other.cache.getOrSet('busy', origin('from-other', 3_000));
      // The other instance holds the lock before this one asks.
      await eventually(
        () => redis.exists(`${app.namespace}#lock:{${entryKey(app.namespace, 'busy')}}`),
        (exists) => exists === 1,
        { what: "the other instance's lock" },
      );
      const waitOnly = { lock: { wait: '100ms', onTimeout: 'throw' } } as const;
      const error = await app.cache
        .getOrSet('busy', origin('x'), waitOnly)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CacheLockTimeoutError);
      expect((error as CacheLockTimeoutError).code).toBe('E_CACHE_LOCK_TIMEOUT');
      const own = origin('computed-here');
      expect(await app.cache.getOrSet('busy', own, { lock: { wait: '100ms' } })).toBe(
        'computed-here',
      );
      expect(own.calls).toBe(1);
      expect(await holder).toBe('from-other');
    } finally {
      await other.close();
    }
  });

  it('a waiter gets the holder’s value as soon as it is written', async () => {
    const other = await createCacheApp({ cache: { namespace: app.namespace } });
    try {
      const holder = other.cache.getOrSet('awaited', origin('shared', 200));
      // The other instance holds the lock before this one asks.
      await eventually(
        () => redis.exists(`${app.namespace}#lock:{${entryKey(app.namespace, 'awaited')}}`),
        (exists) => exists === 1,
        { what: "the other instance's lock" },
      );
      const mine = origin('not-needed');
      const started = Date.now();
      expect(await app.cache.getOrSet('awaited', mine)).toBe('shared');
      expect(mine.calls).toBe(0);
      // Woken by the write (pub/sub), not by the 5 s lease re-check.
      expect(Date.now() - started).toBeLessThan(1_000);
      await holder;
    } finally {
      await other.close();
    }
  });
});

describe('entry format', () => {
  // On the real clock (the default): under a ManualClock every entry records its fresh-until.
  let realTime: CacheApp;
  beforeAll(async () => {
    realTime = await createCacheApp({ cache: { namespace: app.namespace } });
  });
  afterAll(() => realTime.close());

  it('entries written without grace, early recomputation or L1 carry no metadata', async () => {
    await realTime.cache.getOrSet('plain', () => 'abc');
    const raw = (await redis.getBuffer(entryKey(app.namespace, 'plain')))!;
    // 2-byte header, then the serialized value: nothing else.
    expect(raw.toString()).toBe('10j"abc"');
  });

  it('with grace or early recomputation the entry records fresh-until and the factory duration', async () => {
    await app.cache.getOrSet('meta', () => 'abc', { ttl: '1m', earlyRecompute: true });
    const raw = (await redis.getBuffer(entryKey(app.namespace, 'meta')))!.toString();
    expect(raw).toMatch(/^14\d+:\{"f":\d{13},"d":\d+\}j"abc"$/);
    expect(raw.length).toBeLessThan(45);
  });
});

describe('option validation', () => {
  it('rejects bad per-call options with an error naming the option', async () => {
    const bad = async (options: unknown) =>
      app.cache.getOrSet('v', () => 1, options as GetOrSetOptions).catch((e: unknown) => e);
    expect(await bad({ grace: '-1s' })).toMatchObject({
      constructor: InvalidTtlError,
      option: 'getOrSet().grace',
    });
    expect(await bad({ lock: { leese: '1s' } })).toMatchObject({
      constructor: CacheConfigError,
      option: 'getOrSet().lock.leese',
    });
    expect(await bad({ lock: { lease: '10ms' } })).toMatchObject({
      option: 'getOrSet().lock.lease',
    });
    expect(await bad({ lock: { onTimeout: 'wait' } })).toMatchObject({
      option: 'getOrSet().lock.onTimeout',
    });
    expect(await bad({ earlyRecompute: -1 })).toMatchObject({
      option: 'getOrSet().earlyRecompute',
    });
    expect(await bad({ hardTimeout: 0 })).toMatchObject({ option: 'getOrSet().hardTimeout' });
    // Beyond a Node timer's 24.8 days a lease would be renewed every millisecond.
    expect(await bad({ lock: { lease: '30d' } })).toMatchObject({
      option: 'getOrSet().lock.lease',
    });
    expect(await bad({ timeout: '100d' })).toMatchObject({ option: 'getOrSet().timeout' });
    expect(await bad({ hardTimeout: '100d' })).toMatchObject({
      option: 'getOrSet().hardTimeout',
    });
    expect(await bad({ l1: 'soon' })).toMatchObject({ option: 'getOrSet().l1' });
    expect(await redis.exists(entryKey(app.namespace, 'v'))).toBe(0);
  });

  it('rejects bad module defaults at bootstrap', () => {
    expect(() => resolveOptions({ grace: 'long' as never })).toThrow(InvalidTtlError);
    expect(() => resolveOptions({ l1: { maxEntries: 0 } })).toThrow(/"l1.maxEntries"/);
    expect(() => resolveOptions({ l1: { maxSize: 1 } as never })).toThrow(/"l1.maxSize"/);
    expect(() => resolveOptions({ l1: { maxBytes: -5 } })).toThrow(/"l1.maxBytes"/);
    expect(() => resolveOptions({ lock: 'yes' as never })).toThrow(/"lock"/);
    expect(resolveOptions({ grace: '1m', lock: false }).resilience).toMatchObject({
      graceMs: 60_000,
      lock: false,
    });
  });
});

describe('XFetch rule', () => {
  it('never recomputes far from expiry, always at expiry, earlier for slower factories', () => {
    const expiry = 10_000;
    // 1 s before expiry with a 10 ms factory: only a 1-in-e^100 draw would trigger.
    expect(shouldRecomputeEarly(9_000, expiry, 10, 1, 0.5)).toBe(false);
    expect(shouldRecomputeEarly(expiry, expiry, 10, 1, 1)).toBe(true);
    // Same draw, same time left: a 1 s factory triggers, a 10 ms one does not.
    expect(shouldRecomputeEarly(9_500, expiry, 1_000, 1, 0.5)).toBe(true);
    expect(shouldRecomputeEarly(9_500, expiry, 10, 1, 0.5)).toBe(false);
  });
});
