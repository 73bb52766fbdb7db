// The cache's clock: ManualClock itself, the CACHE_CLOCK provider checked at bootstrap, and what a
// ManualClock decides in a real app (freshness, has/ttl, L1, grace) while Redis's own expiry keeps
// real time.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheConfigError } from 'nestjs-redis-cache';
import { CACHE_CLOCK, ManualClock, type CacheClock } from 'nestjs-redis-cache/testing';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { entryKey, rawRedis } from '../support/raw-redis.js';

describe('ManualClock', () => {
  it('stands still until advanced or set', () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    expect(clock.now()).toBe(1_000);
    expect(clock.advance(250)).toBe(1_250);
    expect(clock.now()).toBe(1_250);
    expect(clock.set(new Date(5_000))).toBe(5_000);
    expect(clock.set(100)).toBe(100); // back in time too
    expect(clock.now()).toBe(100);
  });

  it('starts at the real time by default', () => {
    const before = Date.now();
    const now = new ManualClock().now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('refuses a step back, a step that is not a number and a time that is not one', () => {
    const clock = new ManualClock(0);
    expect(() => clock.advance(-1)).toThrow(
      /advance\(ms\): ms must be a finite number >= 0, got -1/,
    );
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(() => clock.set(new Date('nonsense'))).toThrow(
      /set\(time\): must be epoch milliseconds/,
    );
    expect(() => new ManualClock(Number.POSITIVE_INFINITY)).toThrow(/start/);
    expect(clock.now()).toBe(0);
  });
});

describe('CACHE_CLOCK', () => {
  it('is the real clock unless a test module replaces it', async () => {
    const app = await createCacheApp();
    try {
      const clock = app.get<CacheClock>(CACHE_CLOCK as never);
      const before = Date.now();
      expect(clock.now()).toBeGreaterThanOrEqual(before);
      expect(clock.now()).toBeLessThanOrEqual(Date.now());
    } finally {
      await app.close();
    }
  });

  it('is replaced with overrideProvider(CACHE_CLOCK), and any { now() } will do', async () => {
    const clock = { now: () => 1_700_000_000_000 };
    const app = await createCacheApp({ clock });
    try {
      expect(app.get<CacheClock>(CACHE_CLOCK as never)).toBe(clock);
    } finally {
      await app.close();
    }
  });

  it.each<[string, unknown, RegExp]>([
    ['a number', 5, /option "CACHE_CLOCK" must be an object with a now\(\) method .*got 5/],
    ['an object without now()', {}, /option "CACHE_CLOCK" must be an object with a now\(\) method/],
    ['Date.now itself', Date.now, /option "CACHE_CLOCK" must be an object with a now\(\) method/],
    ['a now() that returns a string', { now: () => '12' }, /got now\(\) = '12'/],
    ['a now() that returns NaN', { now: () => Number.NaN }, /got now\(\) = NaN/],
    [
      'a now() that throws',
      {
        now: () => {
          throw new Error('no time');
        },
      },
      /option "CACHE_CLOCK" threw when read/,
    ],
  ])('refuses %s at bootstrap, naming CACHE_CLOCK', async (_, clock, message) => {
    const error = await createCacheApp({ clock: clock as CacheClock }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error).toMatchObject({ option: 'CACHE_CLOCK' });
    expect((error as Error).message).toMatch(message);
  });
});

describe('a ManualClock decides what a user sees', () => {
  const clock = new ManualClock();
  let app: CacheApp;
  let redis: Redis;
  beforeAll(async () => {
    app = await createCacheApp({ cache: { l1: { ttl: '1h' } }, clock });
    redis = rawRedis();
  });
  afterAll(async () => {
    await app.close();
    await redis.quit();
  });

  it('an entry is fresh until its TTL on the clock, then absent though Redis still holds it', async () => {
    const { cache } = app;
    await cache.set('k', 'v', { ttl: '5m' });
    expect(await cache.get('k')).toBe('v'); // and now in L1 too
    clock.advance(5 * 60_000 - 1);
    expect(await cache.get('k')).toBe('v');
    expect(await cache.has('k')).toBe(true);
    expect(await cache.ttl('k')).toBe(0.001);
    clock.advance(1);
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.has('k')).toBe(false);
    expect(await cache.ttl('k')).toBeUndefined();
    expect(await cache.mget(['k'])).toEqual([undefined]);
    // Redis's own expiry runs on real time: five minutes from the write.
    expect(await redis.pttl(entryKey(app.namespace, 'k'))).toBeGreaterThan(4 * 60_000);
  });

  it('getOrSet recomputes once the clock passes the TTL, and serves stale within grace', async () => {
    const { cache } = app;
    let calls = 0;
    const factory = () => `v${++calls}`;
    expect(await cache.getOrSet('g', factory, { ttl: '1m', grace: '1h' })).toBe('v1');
    clock.advance(59_000);
    expect(await cache.getOrSet('g', factory, { ttl: '1m', grace: '1h' })).toBe('v1');
    expect(calls).toBe(1);
    clock.advance(2_000);
    // Stale: served at once while one refresh runs in the background.
    expect(await cache.getOrSet('g', factory, { ttl: '1m', grace: '1h' })).toBe('v1');
    await expect.poll(() => cache.getOrSet('g', factory, { ttl: '1m', grace: '1h' })).toBe('v2');
    expect(calls).toBe(2);
  });

  it('L1 keeps an entry for its own TTL on the clock', async () => {
    const { cache } = app;
    const small = await createCacheApp({
      cache: { namespace: app.namespace, l1: { ttl: '10s' } },
      clock,
    });
    try {
      await small.cache.set('l1', 'first', { ttl: '1h' });
      expect(await small.cache.get('l1')).toBe('first'); // kept in L1
      // Written behind this L1's back: no bus message reaches it (raw Redis write).
      const raw = (await redis.getBuffer(entryKey(app.namespace, 'l1')))!;
      const changed = Buffer.from(raw.toString().replace('"first"', '"other"'));
      await redis.set(entryKey(app.namespace, 'l1'), changed, 'KEEPTTL');
      expect(await small.cache.get('l1')).toBe('first'); // still L1's copy
      clock.advance(9_999);
      expect(await small.cache.get('l1')).toBe('first');
      clock.advance(2); // lru-cache drops an entry once its age is over the TTL
      expect(await small.cache.get('l1')).toBe('other'); // L1's own TTL ran out on the clock
      expect(await cache.get('l1')).toBe('other');
    } finally {
      await small.close();
    }
  });

  it('L1 expires on a clock that starts at 0 too', async () => {
    const atZero = new ManualClock(0);
    const small = await createCacheApp({
      cache: { namespace: app.namespace, l1: { ttl: '10s' } },
      clock: atZero,
    });
    try {
      await small.cache.set('zero', 'first', { ttl: '1h' });
      expect(await small.cache.get('zero')).toBe('first');
      const raw = (await redis.getBuffer(entryKey(app.namespace, 'zero')))!;
      await redis.set(
        entryKey(app.namespace, 'zero'),
        Buffer.from(raw.toString().replace('"first"', '"other"')),
        'KEEPTTL',
      );
      atZero.advance(10_001);
      expect(await small.cache.get('zero')).toBe('other');
    } finally {
      await small.close();
    }
  });
});
