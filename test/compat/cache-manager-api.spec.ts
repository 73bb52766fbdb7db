// CACHE_MANAGER's Cache: cache-manager 7's methods with its return values and units (TTLs in
// milliseconds, ttl() as epoch milliseconds), on real Redis; and what cannot work the same fails at
// bootstrap naming what to use instead. Entries expire on a ManualClock put in with
// overrideProvider(CACHE_CLOCK): advanced, not slept for.
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cache,
  CACHE_MANAGER,
  CACHE_MODULE_OPTIONS,
  CacheModule,
  type CacheManagerOptions,
  type CacheModuleOptions,
} from 'nestjs-redis-cache/cache-manager';
import {
  CacheConfigError,
  CacheSerializationError,
  InvalidKeyError,
  InvalidTtlError,
} from 'nestjs-redis-cache';
import { CACHE_CLOCK, ManualClock } from 'nestjs-redis-cache/testing';
import { sharedRedisUrl, TEST_COMMAND_TIMEOUT, uniqueNamespace } from '../support/cache-app.js';

let module: TestingModule | undefined;
/** The clock of the latest cacheWith(), started at the real time of its creation. */
let clock: ManualClock;

afterEach(async () => {
  await module?.close();
  module = undefined;
});

function connection(): CacheManagerOptions {
  return {
    url: sharedRedisUrl(),
    namespace: uniqueNamespace('cm'),
    redisTimeouts: { command: TEST_COMMAND_TIMEOUT },
    stats: { flushInterval: false },
  };
}

async function cacheWith(options: CacheModuleOptions = {}): Promise<Cache> {
  clock = new ManualClock();
  module = await Test.createTestingModule({
    imports: [CacheModule.register({ ...connection(), ...options })],
  })
    .overrideProvider(CACHE_CLOCK)
    .useValue(clock)
    .compile();
  await module.init();
  return module.get<Cache>(CACHE_MANAGER);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Cache (CACHE_MANAGER)', () => {
  it('get/set: set resolves to the value, get to undefined when absent; null is a value', async () => {
    const cache = await cacheWith();
    expect(await cache.get('absent')).toBeUndefined();
    expect(await cache.set('user', { id: 1, at: new Date(5) })).toEqual({ id: 1, at: new Date(5) });
    expect(await cache.get('user')).toEqual({ id: 1, at: new Date(5) });
    expect(await cache.set('nothing', null)).toBeNull();
    expect(await cache.get('nothing')).toBeNull();
    expect(await cache.set('gone', undefined)).toBeUndefined();
    expect(await cache.get('gone')).toBeUndefined();
  });

  it('set(key, value, ttl) counts milliseconds; ttl() is the expiry as epoch milliseconds', async () => {
    const cache = await cacheWith();
    // Long enough that a loaded machine cannot spend it between set and ttl.
    await cache.set('short', 'v', 5_000);
    const expires = (await cache.ttl('short'))!;
    expect(expires - Date.now()).toBeGreaterThan(0);
    expect(expires - Date.now()).toBeLessThanOrEqual(5_000);
    clock.advance(6_000);
    expect(await cache.get('short')).toBeUndefined();
    expect(await cache.ttl('short')).toBeUndefined();
    await cache.set('forever', 'v', 0);
    expect(await cache.ttl('forever')).toBeUndefined();
    expect(await cache.get('forever')).toBe('v');
  });

  it('uses the module ttl (milliseconds) by default', async () => {
    const cache = await cacheWith({ ttl: 60_000 });
    await cache.set('k', 1);
    const left = (await cache.ttl('k'))! - Date.now();
    expect(left).toBeGreaterThan(55_000);
    expect(left).toBeLessThanOrEqual(60_000);
  });

  it('mget/mset: mset resolves to the list with each TTL; mget keeps the order', async () => {
    const cache = await cacheWith();
    const list = await cache.mset([
      { key: 'a', value: 1, ttl: 10_000 },
      { key: 'b', value: 2 },
    ]);
    expect(list).toEqual([
      { key: 'a', value: 1, ttl: 10_000 },
      { key: 'b', value: 2, ttl: 5_000 },
    ]);
    expect(await cache.mget(['b', 'missing', 'a'])).toEqual([2, undefined, 1]);
  });

  it('del/mdel resolve to true whether or not the keys existed; clear empties this namespace', async () => {
    const cache = await cacheWith();
    await cache.mset([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
      { key: 'c', value: 3 },
    ]);
    expect(await cache.del('a')).toBe(true);
    expect(await cache.del('a')).toBe(true);
    expect(await cache.mdel(['b', 'nope'])).toBe(true);
    expect(await cache.mget(['a', 'b', 'c'])).toEqual([undefined, undefined, 3]);
    expect(await cache.clear()).toBe(true);
    expect(await cache.get('c')).toBeUndefined();
  });

  it('wrap runs the function once for concurrent callers and caches for ttl milliseconds', async () => {
    const cache = await cacheWith();
    let calls = 0;
    const compute = async () => {
      calls++;
      await sleep(50);
      return { n: calls };
    };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => cache.wrap('w', compute, 300)),
    );
    expect(calls).toBe(1);
    expect(results.every((result) => result.n === 1)).toBe(true);
    expect(await cache.wrap('w', compute, 300)).toEqual({ n: 1 });
    clock.advance(450);
    expect(await cache.wrap('w', compute, 300)).toEqual({ n: 2 });
  });

  it('wrap takes a TTL computed from the value, options objects and raw results', async () => {
    const cache = await cacheWith();
    expect(
      await cache.wrap(
        'f',
        async () => 7,
        (value) => value * 1_000,
      ),
    ).toBe(7);
    const left = (await cache.ttl('f'))! - Date.now();
    expect(left).toBeGreaterThan(5_000);
    expect(left).toBeLessThanOrEqual(7_000);
    expect(await cache.wrap('o', () => 'x', { ttl: 20_000 })).toBe('x');
    const raw = await cache.wrap('o', () => 'y', { ttl: 20_000, raw: true });
    expect(raw.value).toBe('x');
    expect(raw.expires! - Date.now()).toBeGreaterThan(15_000);
  });

  it('wrap with refreshThreshold returns the cached value and refreshes it in the background', async () => {
    const cache = await cacheWith();
    let version = 0;
    const compute = async () => ++version;
    const refreshed = new Promise<unknown>((resolve) => cache.on('refresh', resolve));
    expect(await cache.wrap('r', compute, 1_000, 800)).toBe(1);
    clock.advance(300); // 700 ms left: under the threshold
    expect(await cache.wrap('r', compute, 1_000, 800)).toBe(1);
    expect(await refreshed).toEqual({ key: 'r', value: 2 });
    expect(await cache.get('r')).toBe(2);
  });

  it('a wrap function that throws stores nothing and rejects', async () => {
    const cache = await cacheWith();
    await expect(
      cache.wrap('bad', async () => {
        throw new Error('origin down');
      }),
    ).rejects.toThrow('origin down');
    expect(await cache.get('bad')).toBeUndefined();
  });

  it('emits events, has a cacheId, and disconnect() leaves the connection to the module', async () => {
    const cache = await cacheWith({ cacheId: 'shop' });
    const seen: string[] = [];
    const onSet = ({ key }: { key: string }) => seen.push(`set:${key}`);
    cache.on('set', onSet);
    cache.on('del', ({ key }) => seen.push(`del:${key}`));
    await cache.set('a', 1);
    await cache.del('a');
    cache.off('set', onSet);
    await cache.set('b', 1);
    expect(seen).toEqual(['set:a', 'del:a']);
    expect(cache.cacheId()).toBe('shop');
    expect(await cache.disconnect()).toBeUndefined();
    expect(await cache.set('c', 3)).toBe(3);
    expect(() => cache.stores).toThrow(/RedisCacheService/);
  });

  it("emits events when cache-manager 7 does: wrap's store is a 'set', a miss is no 'get'", async () => {
    const cache = await cacheWith();
    const seen: string[] = [];
    for (const event of ['get', 'set', 'ttl'] as const)
      cache.on(event, ({ key }: { key: string }) => seen.push(`${event}:${key}`));
    expect(await cache.wrap('w', () => 'computed', 10_000)).toBe('computed');
    expect(seen).toEqual(['set:w']);
    expect(await cache.wrap('w', () => 'again', 10_000)).toBe('computed');
    expect(seen).toEqual(['set:w']); // a hit stores nothing
    expect(await cache.get('absent')).toBeUndefined();
    expect(await cache.ttl('absent')).toBeUndefined();
    expect(seen).toEqual(['set:w']);
    expect(await cache.get('w')).toBe('computed');
    expect(await cache.ttl('w')).toBeGreaterThan(clock.now());
    expect(seen).toEqual(['set:w', 'get:w', 'ttl:w']);
  });

  it("the 'get' event carries the value and the store it came from, as cache-manager 7's", async () => {
    const cache = await cacheWith();
    const seen: unknown[] = [];
    cache.on('get', (data) => seen.push(data));
    await cache.set('user', { id: 1 });
    await cache.get('user');
    await cache.get('absent');
    expect(seen).toEqual([{ key: 'user', value: { id: 1 }, store: 'primary' }]);
  });

  it('a refresh that fails reports the stale value with the error, and keeps serving it', async () => {
    const cache = await cacheWith();
    const failure = new Error('origin down');
    const refreshed = new Promise<unknown>((resolve) => cache.on('refresh', resolve));
    expect(await cache.wrap('r', () => 'stale', 1_000, 800)).toBe('stale');
    clock.advance(300); // 700 ms left: under the threshold
    const failing = () => {
      throw failure;
    };
    expect(await cache.wrap('r', failing, 1_000, 800)).toBe('stale');
    expect(await refreshed).toEqual({ key: 'r', value: 'stale', error: failure });
    expect(await cache.get('r')).toBe('stale');
  });

  it('reads a string of digits as milliseconds wherever a TTL goes (ConfigService values)', async () => {
    // What ConfigService.get<number>('CACHE_TTL') returns from a .env file: a string.
    const fromEnv = (value: string) => value as unknown as number;
    const cache = await cacheWith({ ttl: fromEnv('3000'), refreshThreshold: fromEnv('800') });
    const left = async (key: string) => (await cache.ttl(key))! - clock.now();

    await cache.set('module', 1);
    expect(await left('module')).toBeGreaterThan(2_500);
    expect(await left('module')).toBeLessThanOrEqual(3_000);

    await cache.set('call', 1, fromEnv('400'));
    expect(await left('call')).toBeLessThanOrEqual(400);
    clock.advance(500);
    expect(await cache.get('call')).toBeUndefined();

    expect(await cache.mset([{ key: 'm', value: 1, ttl: fromEnv('10000') }])).toEqual([
      { key: 'm', value: 1, ttl: 10_000 },
    ]);
    expect(await left('m')).toBeGreaterThan(9_000);

    expect(await cache.wrap('w', () => 'v', fromEnv('20000'))).toBe('v');
    expect(await left('w')).toBeGreaterThan(19_000);

    // The module's refreshThreshold ('800'): with 700 ms left, a hit refreshes in the background.
    let version = 0;
    const refreshed = new Promise<unknown>((resolve) => cache.on('refresh', resolve));
    await cache.wrap('r', () => ++version, 1_000);
    clock.advance(300);
    expect(await cache.wrap('r', () => ++version, 1_000)).toBe(1);
    expect(await refreshed).toEqual({ key: 'r', value: 2 });
  });

  it('boots with a ttl string of digits from registerAsync, as from a ConfigService', async () => {
    clock = new ManualClock();
    const options = connection();
    module = await Test.createTestingModule({
      imports: [
        CacheModule.registerAsync({
          useFactory: () => ({ ...options, ttl: '3000' as unknown as number }),
        }),
      ],
    })
      .overrideProvider(CACHE_CLOCK)
      .useValue(clock)
      .compile();
    await module.init();
    const cache = module.get<Cache>(CACHE_MANAGER);
    await cache.set('k', 1);
    const left = (await cache.ttl('k'))! - clock.now();
    expect(left).toBeGreaterThan(2_500);
    expect(left).toBeLessThanOrEqual(3_000);
  });

  it('rejects a bad TTL, key or value naming it, and writes nothing', async () => {
    const cache = await cacheWith();
    await expect(cache.set('neg', 1, -1)).rejects.toBeInstanceOf(InvalidTtlError);
    await expect(cache.set('nan', 1, Number.NaN)).rejects.toBeInstanceOf(InvalidTtlError);
    await expect(cache.mset([{ key: 'm', value: 1, ttl: -5 }])).rejects.toBeInstanceOf(
      InvalidTtlError,
    );
    await expect(cache.wrap('w', () => 1, -5)).rejects.toBeInstanceOf(InvalidTtlError);
    await expect(cache.set('', 1)).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(cache.set('fn', { run: () => 1 })).rejects.toBeInstanceOf(CacheSerializationError);
    expect(await cache.mget(['neg', 'nan', 'm', 'w', 'fn'])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('keeps what was stored: changing an object after set() or get() changes no entry', async () => {
    const cache = await cacheWith();
    const stored = { a: 1 };
    await cache.set('o', stored);
    stored.a = 2;
    const read = (await cache.get<{ a: number }>('o'))!;
    read.a = 3;
    expect(await cache.get('o')).toEqual({ a: 1 });
  });

  it('exposes the options as given under CACHE_MODULE_OPTIONS', async () => {
    await cacheWith({ ttl: 1234 });
    expect(module!.get(CACHE_MODULE_OPTIONS)).toMatchObject({ ttl: 1234 });
  });
});

describe('bootstrap errors for what cannot behave the same', () => {
  async function bootstrapError(options: Record<string, unknown>): Promise<CacheConfigError> {
    const error = await Test.createTestingModule({
      imports: [CacheModule.register({ ...connection(), ...options })],
    })
      .compile()
      .then(
        (compiled) => {
          module = compiled;
          throw new Error('bootstrap succeeded');
        },
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(CacheConfigError);
    return error as CacheConfigError;
  }

  it('stores (Keyv instances) fail naming url, redis, cluster, client and l1', async () => {
    class Keyv {}
    const error = await bootstrapError({ stores: [new Keyv()] });
    expect(error.option).toBe('stores');
    expect(error.message).toMatch(/url.*redis.*cluster.*client/s);
    expect(error.message).toMatch(/l1: true/);
  });

  it('the cache-manager 5 `store` option fails naming url', async () => {
    const error = await bootstrapError({ store: 'redis' });
    expect(error.option).toBe('store');
    expect(error.message).toMatch(/url/);
  });

  it.each(['5s', '-100', ''])('a ttl of %j (not milliseconds) fails', async (ttl) => {
    const error = await bootstrapError({ ttl });
    expect(error.option).toBe('ttl');
    expect(error.message).toMatch(/milliseconds/);
  });

  it.each([
    ['cacheId', 42, /non-empty string/],
    ['nonBlocking', 'yes', /true or false/],
    ['refreshAllStores', 1, /true or false/],
  ])('a %s of the wrong type fails naming it', async (option, value, expected) => {
    const error = await bootstrapError({ [option]: value });
    expect(error.option).toBe(option);
    expect(error.message).toMatch(expected);
  });

  it('a misspelt option fails, as in RedisCacheModule', async () => {
    const error = await bootstrapError({ nmespace: 'x' });
    expect(error.option).toBe('nmespace');
  });
});
