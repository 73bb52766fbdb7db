// Adaptive factories on a real Redis: a getOrSet factory (or a @Cacheable method, through
// cacheContext()) picks the TTL and tags of each result, skips storing it, or reads the stale value
// it replaces; `nullTtl` gives null results a TTL of their own; bad input is refused by name.
import { Injectable } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  Cacheable,
  CachePut,
  CacheConfigError,
  cacheContext,
  InvalidTtlError,
  type CacheFactoryContext,
} from '../../lib/index.js';
import { CacheDecoratorError } from '../../lib/errors/errors.js';
import { ManualClock } from '../../lib/testing/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';

/** Seconds of freshness left, rounded (ttl() is fractional). */
async function ttlOf(app: CacheApp, key: string): Promise<number | undefined> {
  const left = await app.cache.ttl(key);
  return left === undefined ? undefined : Math.round(left);
}

interface Rate {
  currency: string;
  rate: number | null;
  final: boolean;
}

@Injectable()
class RatesService {
  calls = 0;
  seenStale: unknown[] = [];

  @Cacheable({ key: 'rate:{0}', ttl: '1h', nullTtl: '30s' })
  async rate(currency: string): Promise<Rate | null> {
    this.calls++;
    const context = cacheContext<Rate | null>();
    this.seenStale.push(context?.stale);
    if (currency === 'XXX') return null;
    const rate: Rate = { currency, rate: 1.1, final: currency !== 'EUR' };
    if (!rate.final) context?.setTtl('10s');
    context?.setTags([`currency:${currency}`]);
    if (currency === 'TMP') context?.skip();
    return rate;
  }

  @CachePut({ key: 'rate:{0}', ttl: '1h', nullTtl: '20s' })
  async withdraw(currency: string): Promise<Rate | null> {
    return currency === 'XXX' ? null : { currency, rate: 1, final: true };
  }
}

describe('adaptive factories', () => {
  let app: CacheApp;
  const clock = new ManualClock();
  beforeAll(async () => {
    app = await createCacheApp({ providers: [RatesService], clock });
  });
  afterAll(() => app.close());
  beforeEach(() => app.cache.clear());

  it('a factory sets the TTL of its result', async () => {
    const factory = (ctx: CacheFactoryContext<string>) => {
      ctx.setTtl(ctx.key === 'short' ? '20s' : '2h');
      return ctx.key;
    };
    await app.cache.getOrSet('short', factory, { ttl: '1h' });
    await app.cache.getOrSet('long', factory, { ttl: '1h' });
    expect(await ttlOf(app, 'short')).toBe(20);
    expect(await ttlOf(app, 'long')).toBe(7200);
    await app.cache.getOrSet('forever', (ctx) => (ctx.setTtl(0), 'x'), { ttl: '1h' });
    expect(await app.cache.ttl('forever')).toBe(Number.POSITIVE_INFINITY);
  });

  it('tags set by the factory are added to the call tags; invalidating either removes the entry', async () => {
    const factory = (ctx: CacheFactoryContext<string>) => {
      ctx.setTags([`owner:${ctx.key}`]);
      return 'value';
    };
    await app.cache.getOrSet('a', factory, { tags: ['all'] });
    await app.cache.getOrSet('b', factory, { tags: ['all'] });
    await app.cache.invalidateTags('owner:a');
    expect(await app.cache.has('a')).toBe(false);
    expect(await app.cache.has('b')).toBe(true);
    await app.cache.invalidateTags('all');
    expect(await app.cache.has('b')).toBe(false);
    // Without call tags too.
    await app.cache.getOrSet('c', factory);
    await app.cache.invalidateTags('owner:c');
    expect(await app.cache.get('c')).toBeUndefined();
  });

  it('skip() returns the result and stores nothing', async () => {
    let calls = 0;
    const factory = (ctx: CacheFactoryContext<number>) => {
      ctx.skip();
      return ++calls;
    };
    expect(await app.cache.getOrSet('skipped', factory)).toBe(1);
    expect(await app.cache.has('skipped')).toBe(false);
    expect(await app.cache.getOrSet('skipped', factory)).toBe(2);
  });

  it('a refresh within grace sees the stale value it replaces; a first computation does not', async () => {
    const options = { ttl: '1m', grace: '1h', timeout: false } as const;
    const seen: unknown[] = [];
    // An origin answering "not modified" for the version the cache holds.
    const factory = (ctx: CacheFactoryContext<{ etag: string; body: string }>) => {
      seen.push(ctx.stale);
      return ctx.stale?.etag === 'v1' ? ctx.stale : { etag: 'v1', body: 'hello' };
    };
    expect(await app.cache.getOrSet('page', factory, options)).toEqual({
      etag: 'v1',
      body: 'hello',
    });
    clock.advance(2 * 60_000);
    expect(await app.cache.getOrSet('page', factory, options)).toEqual({
      etag: 'v1',
      body: 'hello',
    });
    expect(seen).toEqual([undefined, { etag: 'v1', body: 'hello' }]);
    expect(await ttlOf(app, 'page')).toBe(60);
  });

  it('nullTtl applies to null results only, and setTtl wins over it', async () => {
    await app.cache.getOrSet('missing', () => null, { ttl: '1h', nullTtl: '15s' });
    await app.cache.getOrSet('present', () => 1, { ttl: '1h', nullTtl: '15s' });
    await app.cache.getOrSet('chosen', (ctx) => (ctx.setTtl('5m'), null), { nullTtl: '15s' });
    expect(await ttlOf(app, 'missing')).toBe(15);
    expect(await ttlOf(app, 'present')).toBe(3600);
    expect(await ttlOf(app, 'chosen')).toBe(300);
    expect(await app.cache.get('missing')).toBeNull();
  });

  it('a @Cacheable method reaches the same context through cacheContext()', async () => {
    const rates = app.get(RatesService);
    rates.calls = 0;
    expect(cacheContext()).toBeUndefined();
    await rates.rate('USD');
    await rates.rate('EUR');
    await rates.rate('XXX');
    expect(await ttlOf(app, 'rate:USD')).toBe(3600);
    expect(await ttlOf(app, 'rate:EUR')).toBe(10);
    expect(await ttlOf(app, 'rate:XXX')).toBe(30);
    await rates.rate('USD');
    expect(rates.calls).toBe(3);
    await app.cache.invalidateTags('currency:USD');
    await rates.rate('USD');
    expect(rates.calls).toBe(4);
    await rates.rate('TMP');
    await rates.rate('TMP');
    expect(rates.calls).toBe(6);
    expect(await app.cache.has('rate:TMP')).toBe(false);
    expect(rates.seenStale.every((stale) => stale === undefined)).toBe(true);
  });

  it('@CachePut stores a null result for nullTtl, other results for ttl', async () => {
    const rates = app.get(RatesService);
    await rates.withdraw('XXX');
    await rates.withdraw('GBP');
    expect(await ttlOf(app, 'rate:XXX')).toBe(20);
    expect(await ttlOf(app, 'rate:GBP')).toBe(3600);
  });

  it('a getOrSet inside a factory has its own context; the outer one is back after it', async () => {
    const keys: (string | undefined)[] = [];
    await app.cache.getOrSet('outer', async () => {
      keys.push(cacheContext()?.key);
      await app.cache.getOrSet('inner', () => (keys.push(cacheContext()?.key), 1));
      keys.push(cacheContext()?.key);
      cacheContext()?.setTtl('42s');
      return 2;
    });
    expect(keys).toEqual(['outer', 'inner', 'outer']);
    expect(await ttlOf(app, 'outer')).toBe(42);
  });

  it('the context is gone once the factory returned', async () => {
    let kept: CacheFactoryContext<number> | undefined;
    await app.cache.getOrSet('later', async () => {
      await Promise.resolve();
      kept = cacheContext<number>();
      return 1;
    });
    expect(kept?.key).toBe('later');
    let afterwards: unknown = 'unset';
    await new Promise<void>((resolve) =>
      app.cache
        .getOrSet('timer', () => {
          setTimeout(() => {
            afterwards = cacheContext();
            resolve();
          }, 5);
          return 1;
        })
        .catch(resolve),
    );
    expect(afterwards).toBeUndefined();
  });

  it('refuses bad input, naming it', async () => {
    await expect(app.cache.getOrSet('bad', (ctx) => (ctx.setTtl(-1), 1))).rejects.toThrow(
      InvalidTtlError,
    );
    await expect(app.cache.getOrSet('bad', (ctx) => (ctx.setTtl(-1), 1))).rejects.toThrow(
      /"bad": setTtl\(\)/,
    );
    await expect(
      app.cache.getOrSet('bad', (ctx) => (ctx.setTags('tag' as unknown as string[]), 1)),
    ).rejects.toThrow(CacheConfigError);
    await expect(app.cache.getOrSet('bad', (ctx) => (ctx.setTags(['']), 1))).rejects.toThrow(
      /tag must be a non-empty string/,
    );
    const many = Array.from({ length: 65 }, (_, i) => `t${i}`);
    await expect(app.cache.getOrSet('bad', (ctx) => (ctx.setTags(many), 1))).rejects.toThrow(
      /limits.tagsPerEntry/,
    );
    expect(await app.cache.has('bad')).toBe(false);
    await expect(app.cache.getOrSet('bad', () => 1, { nullTtl: -5 })).rejects.toThrow(
      /getOrSet\(\)\.nullTtl/,
    );
    await expect(
      app.cache.getOrSet('bad', () => 1, { nullTtl: 'soon' as unknown as number }),
    ).rejects.toThrow(InvalidTtlError);
  });

  it('refuses nullTtl with cacheNull: false at bootstrap, naming the method', async () => {
    @Injectable()
    class Contradiction {
      @Cacheable({ nullTtl: '10s', cacheNull: false })
      find() {
        return null;
      }
    }
    const failed = createCacheApp({ providers: [Contradiction] });
    await expect(failed).rejects.toThrow(CacheDecoratorError);
    await expect(failed).rejects.toThrow(/Contradiction\.find.*nullTtl/s);
  });
});
