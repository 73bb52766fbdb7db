// The codec as a user meets it, through RedisCacheService on a real Redis: what goes in comes
// back, nothing reaches a prototype, unserializable values write nothing, serializers and
// compression are pluggable, and foreign or corrupt bytes read as misses.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheSerializationError, type RedisCacheModuleOptions } from '../../lib/index.js';
import { createCacheApp, uniqueNamespace, type CacheApp } from '../support/cache-app.js';
import { entryKey, namespaceKeys, rawRedis } from '../support/raw-redis.js';
import type { CacheSerializer } from '../../lib/options/resolved-options.js';

let raw: Redis;
const apps: CacheApp[] = [];

async function app(cache: RedisCacheModuleOptions = {}): Promise<CacheApp> {
  const created = await createCacheApp({ cache });
  apps.push(created);
  return created;
}

beforeAll(() => {
  raw = rawRedis();
});
afterAll(async () => {
  for (const created of apps) {
    await created.cache.clear();
    await created.close();
  }
  await raw.quit();
});

describe('default serializer through Redis', () => {
  let cache: CacheApp;
  beforeAll(async () => {
    cache = await app();
  });

  it.each<[string, unknown]>([
    ['a plain object', { id: 1, name: 'Lamp', price: 19.99, tags: ['home'] }],
    ['an array', [1, 'two', null, [3]]],
    ['a string', 'text ✓'],
    ['a number', 42.5],
    ['-0', -0],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['false', false],
    ['true', true],
    ['null', null],
    ['a Date', new Date('2025-01-02T03:04:05.006Z')],
    ['a BigInt', 2n ** 70n],
    [
      'a Map',
      new Map<unknown, unknown>([
        ['a', 1],
        [2, 'b'],
      ]),
    ],
    ['a Set', new Set(['x', 'y'])],
    ['a Buffer', Buffer.from('binary\u0000data')],
    ['a Uint8Array', new Uint8Array([0, 128, 255])],
    [
      'a nested combination',
      {
        order: { id: 7n, at: new Date(0), lines: new Map([['sku-1', { qty: 2, price: -0 }]]) },
        seen: new Set([new Date(1)]),
        blob: Buffer.from([1, 2, 3]),
      },
    ],
  ])('%s', async (label, value) => {
    await cache.cache.set(label, value);
    expect(await cache.cache.get(label)).toStrictEqual(value);
  });

  it('an invalid Date comes back invalid', async () => {
    await cache.cache.set('bad-date', { at: new Date('nope') });
    const back = await cache.cache.get<{ at: Date }>('bad-date');
    expect(back?.at).toBeInstanceOf(Date);
    expect(Number.isNaN(back?.at.getTime())).toBe(true);
  });

  it('an object with a "$t" key comes back as it was', async () => {
    const value = { $t: 'd', v: 12, nested: { $t: 'b', v: '1' } };
    await cache.cache.set('dollar-t', value);
    expect(await cache.cache.get('dollar-t')).toStrictEqual(value);
  });
});

describe('prototype pollution through Redis', () => {
  let cache: CacheApp;
  const before = Object.getOwnPropertyNames(Object.prototype).sort();
  beforeAll(async () => {
    cache = await app();
  });

  function expectObjectPrototypeUntouched(): void {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  }

  it('"__proto__" and "constructor" keys of a cached object come back as own data', async () => {
    const value = JSON.parse(
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"a":1}',
    ) as Record<string, unknown>;
    await cache.cache.set('proto', value);
    const back = (await cache.cache.get<Record<string, unknown>>('proto'))!;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.hasOwn(back, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ polluted: true });
    expect(Object.hasOwn(back, 'constructor')).toBe(true);
    expect(back.constructor).toEqual({ prototype: { polluted: true } });
    expect((back as { polluted?: unknown }).polluted).toBeUndefined();
    expectObjectPrototypeUntouched();
  });

  it.each([
    ['plain JSON', '10j{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'],
    [
      'tagged JSON',
      '10t{"__proto__":{"polluted":true,"d":{"$t":"d","v":1}},"n":{"$t":"n","v":"-0"}}',
    ],
    ['an entry list', '10t{"$t":"o","v":[["__proto__",{"polluted":true}],["constructor",1]]}'],
  ])('a %s payload written by hand into Redis cannot pollute', async (label, payload) => {
    const key = `crafted-${label}`;
    await raw.set(entryKey(cache.namespace, key), payload);
    const back = await cache.cache.get<Record<string, unknown>>(key);
    expect(back).toBeTypeOf('object');
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.hasOwn(back!, '__proto__')).toBe(true);
    expect((back as { polluted?: unknown }).polluted).toBeUndefined();
    expectObjectPrototypeUntouched();
  });
});

describe('values that cannot be serialized', () => {
  let cache: CacheApp;
  beforeAll(async () => {
    cache = await app();
  });

  const circular = (): unknown => {
    const node: Record<string, unknown> = { name: 'loop' };
    node.self = node;
    return node;
  };

  it.each<[string, () => unknown]>([
    ['a function', () => function loadProduct() {}],
    ['a function inside an object', () => ({ id: 1, load: () => 1 })],
    ['a symbol', () => Symbol('s')],
    ['a symbol inside an array', () => [Symbol('s')]],
    ['a circular structure', circular],
  ])(
    '%s: set() throws CacheSerializationError naming the key, nothing written',
    async (label, make) => {
      const key = `bad:${label}`;
      const error = await cache.cache
        .set(key, make(), { tags: [`tag-${label}`], ttl: 60 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CacheSerializationError);
      expect((error as CacheSerializationError).key).toBe(key);
      expect((error as CacheSerializationError).code).toBe('E_CACHE_SERIALIZE');
      expect((error as Error).message).toContain(key);
      expect(await namespaceKeys(raw, cache.namespace)).toEqual([]);
      expect(await cache.cache.get(key)).toBeUndefined();
    },
  );

  it('an existing entry is left as it was when the new value cannot be serialized', async () => {
    await cache.cache.set('kept', 'old');
    await expect(cache.cache.set('kept', circular())).rejects.toBeInstanceOf(
      CacheSerializationError,
    );
    expect(await cache.cache.get('kept')).toBe('old');
    await cache.cache.del('kept');
  });

  // getOrSet, @Cacheable, @CachePut and write-through return such a value uncached:
  // test/lookup/not-stored-values.spec.ts.
});

describe('other serializers', () => {
  it("'json' stores plain JSON: fine for JSON data, Dates come back as strings", async () => {
    const cache = await app({ serializer: 'json' });
    await cache.cache.set('k', { a: [1, 'x', null], d: new Date(0) });
    expect(await cache.cache.get('k')).toEqual({
      a: [1, 'x', null],
      d: '1970-01-01T00:00:00.000Z',
    });
    const stored = await raw.getBuffer(entryKey(cache.namespace, 'k'));
    expect(stored?.toString('utf8')).toContain('{"a":[1,"x",null]');
    await expect(cache.cache.set('fn', () => 1)).rejects.toBeInstanceOf(CacheSerializationError);
  });

  it("'v8' keeps rich types and even cycles", async () => {
    const cache = await app({ serializer: 'v8' });
    const value: Record<string, unknown> = {
      d: new Date(5),
      m: new Map([[1, new Set([2])]]),
      n: 3n,
    };
    value.self = value;
    await cache.cache.set('k', value);
    const back = (await cache.cache.get<Record<string, unknown>>('k'))!;
    expect(back.d).toEqual(new Date(5));
    expect(back.m).toEqual(new Map([[1, new Set([2])]]));
    expect(back.n).toBe(3n);
    expect(back.self).toBe(back);
    await expect(cache.cache.set('fn', { f: () => 1 })).rejects.toBeInstanceOf(
      CacheSerializationError,
    );
    expect(await raw.exists(entryKey(cache.namespace, 'fn'))).toBe(0);
  });

  it('a custom { serialize, deserialize } is used for every write and read', async () => {
    const calls = { serialize: 0, deserialize: 0 };
    const upper: CacheSerializer = {
      serialize(value) {
        calls.serialize++;
        if (typeof value !== 'string') throw new TypeError('only strings');
        return `custom:${value.toUpperCase()}`;
      },
      deserialize(data) {
        calls.deserialize++;
        return data
          .toString('utf8')
          .replace(/^custom:/, '')
          .toLowerCase();
      },
    };
    const cache = await app({ serializer: upper });
    await cache.cache.set('k', 'hello');
    expect((await raw.getBuffer(entryKey(cache.namespace, 'k')))?.toString()).toContain(
      'custom:HELLO',
    );
    expect(await cache.cache.get('k')).toBe('hello');
    expect(calls).toEqual({ serialize: 1, deserialize: 1 });
    const error = await cache.cache.set('n', 5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheSerializationError);
    expect((error as Error).message).toContain('only strings');
    expect(await raw.exists(entryKey(cache.namespace, 'n'))).toBe(0);
  });

  it('a custom serializer returning bytes works too', async () => {
    const bytes: CacheSerializer = {
      serialize: (value) => new Uint8Array(Buffer.from(JSON.stringify(value))),
      deserialize: (data) => JSON.parse(data.toString('utf8')),
    };
    const cache = await app({ serializer: bytes });
    await cache.cache.set('k', { a: 1 });
    expect(await cache.cache.get('k')).toEqual({ a: 1 });
  });
});

describe('compression', () => {
  // Repetitive, so any compressor shrinks it a lot; ~60 KB serialized.
  const big = {
    rows: Array.from({ length: 1_000 }, (_, i) => ({ id: i, name: `product number ${i % 10}` })),
  };
  const uncompressedSize = Buffer.byteLength(JSON.stringify(big));

  it.each([
    ['deflate', '1'],
    ['brotli', '2'],
  ] as const)(
    '%s: a value above the threshold is stored compressed and read back',
    async (algorithm, flag) => {
      const cache = await app({ compression: { threshold: 1_024, algorithm } });
      await cache.cache.set('big', big);
      const stored = (await raw.getBuffer(entryKey(cache.namespace, 'big')))!;
      expect(stored.length).toBeLessThan(uncompressedSize / 5);
      // Header: format '1', then '0' + flags (1 deflate, 2 brotli).
      expect(stored.subarray(0, 2).toString('latin1')).toBe(`1${flag}`);
      expect(await cache.cache.get('big')).toEqual(big);

      await cache.cache.set('small', { id: 1 });
      const small = (await raw.getBuffer(entryKey(cache.namespace, 'small')))!;
      expect(small.subarray(0, 2).toString('latin1')).toBe('10');
      expect(small.toString('utf8')).toContain('"id":1');
      expect(await cache.cache.get('small')).toEqual({ id: 1 });
    },
  );

  it('compressed tagged entries decode too', async () => {
    const cache = await app({ compression: { threshold: 100, algorithm: 'brotli' } });
    await cache.cache.set('big', big, { tags: ['catalog'] });
    expect((await raw.getBuffer(entryKey(cache.namespace, 'big')))!.length).toBeLessThan(
      uncompressedSize / 5,
    );
    expect(await cache.cache.get('big')).toEqual(big);
    await cache.cache.invalidateTags('catalog');
    expect(await cache.cache.get('big')).toBeUndefined();
  });

  it('compression: false stores even large values as they are', async () => {
    const cache = await app({ compression: false });
    await cache.cache.set('big', big);
    const stored = (await raw.getBuffer(entryKey(cache.namespace, 'big')))!;
    expect(stored.length).toBeGreaterThanOrEqual(uncompressedSize);
    expect(await cache.cache.get('big')).toEqual(big);
  });

  it('an app reads entries compressed by an app with other compression settings', async () => {
    const namespace = uniqueNamespace();
    const writer = await app({ namespace, compression: { threshold: 10, algorithm: 'brotli' } });
    const reader = await app({ namespace, compression: false });
    await writer.cache.set('big', big);
    expect(await reader.cache.get('big')).toEqual(big);
  });
});

describe('foreign and corrupt entries read as misses', () => {
  it.each([
    ['v8', 'default'],
    ['default', 'v8'],
    ['json', 'default'],
    ['default', 'json'],
  ] as const)(
    'an entry written by the %s serializer, read by %s',
    async (writerName, readerName) => {
      const namespace = uniqueNamespace();
      const writer = await app({ namespace, serializer: writerName });
      const reader = await app({ namespace, serializer: readerName });
      await writer.cache.set('k', { a: 1, when: 'now' });
      expect(await reader.cache.get('k')).toBeUndefined();
      expect(await reader.cache.mget(['k', 'k'])).toEqual([undefined, undefined]);
      // getOrSet recomputes and replaces the unreadable entry.
      expect(await reader.cache.getOrSet('k', () => 'fresh')).toBe('fresh');
      expect(await reader.cache.get('k')).toBe('fresh');
    },
  );

  it.each<[string, string | Buffer]>([
    ['a plain string set by another client', 'hello'],
    ['an empty string', ''],
    ['a header alone', '1'],
    ['an unknown format version', '90j{}'],
    ['unknown flags', '1zj{}'],
    ['a truncated JSON payload', '10j{"a":'],
    ['an unknown type marker', '10x{}'],
    ['an unknown type tag', '10t{"$t":"?","v":1}'],
    ['a malformed tag value', '10t{"$t":"b","v":"not a bigint"}'],
    ['a deflate flag on bytes that are not deflated', '11j{"a":1}'],
    [
      'a brotli flag on bytes that are not brotli',
      Buffer.concat([Buffer.from('12'), Buffer.from([0xff, 0x00, 0x13, 0x37])]),
    ],
    ['metadata without its length', '14{"tags":{}}j1'],
    ['metadata with a wrong length', '1499:{"tags":{}}j1'],
    ['metadata that is not JSON', '145:{abcdj1'],
    ['random bytes', Buffer.from([0x00, 0xde, 0xad, 0xbe, 0xef, 0x31, 0x30])],
  ])('%s', async (label, bytes) => {
    const cache = await app();
    const key = `corrupt:${label}`;
    await raw.set(entryKey(cache.namespace, key), bytes);
    expect(await cache.cache.get(key)).toBeUndefined();
    expect(await cache.cache.mget([key])).toEqual([undefined]);
    expect(await cache.cache.getOrSet(key, () => ({ rebuilt: true }))).toEqual({ rebuilt: true });
    expect(await cache.cache.get(key)).toEqual({ rebuilt: true });
  });
});
