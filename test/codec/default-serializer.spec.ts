// The default serializer on its own: every type a service method commonly returns comes back
// as it went in (checked by example and with fast-check), and cached data can never reach a
// prototype, whatever keys it holds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SERIALIZERS } from '../../lib/codec/serializer.js';

const serializer = SERIALIZERS.default;

function roundTrip<T>(value: T): T {
  const serialized = serializer.serialize(value);
  const bytes = typeof serialized === 'string' ? Buffer.from(serialized, 'utf8') : serialized;
  return serializer.deserialize(Buffer.from(bytes)) as T;
}

describe('default serializer round trips', () => {
  it.each<[string, unknown]>([
    ['a plain object', { a: 1, b: 'two', c: [true, false], d: { e: null } }],
    ['an empty object', {}],
    ['an array', [1, 'a', null, { x: [] }]],
    ['an empty array', []],
    ['a string', 'héllo wörld ✓ 🚀'],
    ['an empty string', ''],
    ['a string that looks like a payload', 'j{"a":1}'],
    ['an integer', 42],
    ['a float', -3.25],
    ['zero', 0],
    ['the largest safe integer', Number.MAX_SAFE_INTEGER],
    ['the smallest positive double', Number.MIN_VALUE],
    ['true', true],
    ['false', false],
    ['null', null],
    ['a Date', new Date('2024-02-29T12:34:56.789Z')],
    ['a Date before 1970', new Date(-1_234_567_890)],
    ['a BigInt', 12345678901234567890123456789n],
    ['a negative BigInt', -42n],
    [
      'a Map',
      new Map<unknown, unknown>([
        ['a', 1],
        [2, { b: new Date(0) }],
        [null, [1n]],
      ]),
    ],
    ['a Set', new Set([1, 'a', null, 3n])],
    ['a Buffer', Buffer.from([0, 1, 2, 254, 255])],
    ['an empty Buffer', Buffer.alloc(0)],
    ['a Uint8Array', new Uint8Array([9, 8, 7, 0, 255])],
    [
      'a nested combination',
      {
        when: new Date(1_700_000_000_000),
        ids: new Set([1n, 2n]),
        byId: new Map([['x', { tags: new Set(['a']), raw: Buffer.from('hi') }]]),
        list: [new Map([[new Date(5), -0]]), Number.NaN, Number.POSITIVE_INFINITY],
        deep: { deeper: { deepest: [[[new Uint8Array([1])]]] } },
      },
    ],
  ])('%s', (_label, value) => {
    expect(roundTrip(value)).toStrictEqual(value);
  });

  it('-0 stays -0, alone and nested', () => {
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(Object.is(roundTrip([-0])[0], -0)).toBe(true);
    expect(Object.is(roundTrip({ n: -0 }).n, -0)).toBe(true);
    expect(Object.is(roundTrip(0), 0)).toBe(true);
  });

  it('NaN and the infinities survive', () => {
    expect(roundTrip(Number.NaN)).toBeNaN();
    expect(roundTrip(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(roundTrip(Number.NEGATIVE_INFINITY)).toBe(Number.NEGATIVE_INFINITY);
    expect(roundTrip({ a: [Number.NaN] }).a[0]).toBeNaN();
  });

  it('an invalid Date comes back as an invalid Date', () => {
    const back = roundTrip(new Date(Number.NaN));
    expect(back).toBeInstanceOf(Date);
    expect(Number.isNaN(back.getTime())).toBe(true);
  });

  it('keeps the exact classes: Buffer stays Buffer, Uint8Array stays Uint8Array', () => {
    const back = roundTrip({ buf: Buffer.from('a'), u8: new Uint8Array([1]) });
    expect(Buffer.isBuffer(back.buf)).toBe(true);
    expect(Buffer.isBuffer(back.u8)).toBe(false);
    expect(back.u8).toBeInstanceOf(Uint8Array);
  });

  it('keeps a Uint8Array that views part of a larger buffer', () => {
    const whole = new Uint8Array([1, 2, 3, 4, 5, 6]);
    expect(roundTrip(whole.subarray(2, 4))).toStrictEqual(new Uint8Array([3, 4]));
  });

  it('keeps undefined inside arrays and objects', () => {
    const back = roundTrip({ list: [1, undefined, 3], field: undefined });
    expect(back.list).toHaveLength(3);
    expect(back.list[1]).toBeUndefined();
    expect(Object.hasOwn(back, 'field')).toBe(true);
  });

  it('returns fresh objects, not the cached instance', () => {
    const value = { a: { b: 1 } };
    const back = roundTrip(value);
    expect(back).not.toBe(value);
    expect(back.a).not.toBe(value.a);
  });
});

describe('objects with a "$t" key (the serializer\'s own tag name)', () => {
  it.each<[string, unknown]>([
    ['a string tag', { $t: 'd', v: 5 }],
    ['a tag that would decode to a BigInt', { $t: 'b', v: '1' }],
    ['an unknown tag', { $t: 'zzz' }],
    ['a non-string $t', { $t: 5, v: [1] }],
    ['nested, beside special values', { list: [{ $t: 'm', v: [] }, new Date(3)], n: -0 }],
    ['inside a Map', new Map([['k', { $t: 's', v: [1] }]])],
    ['inside a Set', new Set([{ $t: 'u' }])],
    ['with a $t-tagged child', { $t: 'o', v: { $t: 'n', v: '-0' } }],
  ])('%s comes back as plain data', (_label, value) => {
    expect(roundTrip(value)).toStrictEqual(value);
  });
});

describe('prototype pollution', () => {
  const pollutedBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  function expectPrototypesUntouched(): void {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(pollutedBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.toString).toBe(Object.prototype.toString);
  }

  it('a "__proto__" key comes back as own data, not as the prototype', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    const back = roundTrip(value);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.hasOwn(back, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ polluted: true });
    expect((back as { polluted?: unknown }).polluted).toBeUndefined();
    expectPrototypesUntouched();
  });

  it('"constructor" and "prototype" keys stay own data', () => {
    const value = { constructor: { prototype: { polluted: true } }, prototype: { polluted: 1 } };
    const back = roundTrip(value);
    // toEqual, not toStrictEqual: the strict check compares `.constructor`, here own data.
    expect(back).toEqual(value);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expectPrototypesUntouched();
  });

  it('"__proto__" keys next to special values (tagged payloads) stay own data', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true,"when":null},"n":null}');
    value.n = -0;
    value.__proto__inner = new Map([['__proto__', { polluted: true }]]);
    Object.defineProperty(value, '__proto__', {
      value: { polluted: true, when: new Date(1) },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    const back = roundTrip(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toStrictEqual({
      polluted: true,
      when: new Date(1),
    });
    expect((back as { polluted?: unknown }).polluted).toBeUndefined();
    expectPrototypesUntouched();
  });

  it.each([
    ['plain JSON', 'j{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":1}}}'],
    ['tagged JSON', 't{"__proto__":{"polluted":true,"n":{"$t":"n","v":"-0"}},"x":{"$t":"u"}}'],
    ['a tagged object entry list', 't{"$t":"o","v":[["__proto__",{"polluted":true}],["$t",1]]}'],
    ['a nested tagged object', 't{"a":{"__proto__":{"$t":"m","v":[["polluted",true]]}}}'],
  ])('a hand-crafted %s payload cannot pollute', (_label, payload) => {
    const back = serializer.deserialize(Buffer.from(payload)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect((back as { polluted?: unknown }).polluted).toBeUndefined();
    expectPrototypesUntouched();
  });
});

describe('values that cannot be serialized', () => {
  it.each<[string, () => unknown]>([
    ['a function', () => () => 1],
    ['a function inside an object', () => ({ a: { fn: function named() {} } })],
    ['a symbol', () => Symbol('s')],
    ['a symbol inside an array', () => [1, Symbol('s')]],
    [
      'a circular object',
      () => {
        const a: Record<string, unknown> = {};
        a.self = a;
        return a;
      },
    ],
    [
      'a circular array',
      () => {
        const a: unknown[] = [];
        a.push(a);
        return a;
      },
    ],
    [
      'a Map that contains itself',
      () => {
        const m = new Map<string, unknown>();
        m.set('self', m);
        return m;
      },
    ],
  ])('%s throws', (_label, make) => {
    expect(() => serializer.serialize(make())).toThrow();
  });

  it('names what could not be serialized', () => {
    expect(() => serializer.serialize({ fn: function loadProduct() {} })).toThrow(/loadProduct/);
    expect(() => serializer.serialize(Symbol('marker'))).toThrow(/symbol/);
  });
});

describe('property: any JSON-ish value with rich types round-trips', () => {
  const key = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.constantFrom('__proto__', 'constructor', 'prototype', '$t', 'v'),
  );
  const leaf = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.double(),
    fc.integer(),
    fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
    fc.boolean(),
    fc.constant(null),
    fc.date({ noInvalidDate: false }),
    fc.bigInt(),
    fc.uint8Array().map((bytes) => Buffer.from(bytes)),
    fc.uint8Array(),
    fc.float64Array(),
    fc.int16Array(),
    fc.uint8ClampedArray(),
    fc.bigInt64Array(),
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      tie('array'),
      tie('object'),
      tie('map'),
      tie('set'),
    ),
    array: fc.array(tie('value'), { maxLength: 5 }),
    object: fc.dictionary(key, tie('value'), { maxKeys: 5, noNullPrototype: true }),
    map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((e) => new Map(e)),
    set: fc.array(tie('value'), { maxLength: 4 }).map((e) => new Set(e)),
  }));

  it('deserialize(serialize(v)) equals v', () => {
    fc.assert(
      fc.property(value, (v) => {
        // toEqual tells -0 from 0, Buffer from Uint8Array and compares own "__proto__" keys;
        // toStrictEqual would compare `.constructor`, which the generated data may own.
        expect(roundTrip(v)).toEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it('never touches Object.prototype, whatever the keys', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    fc.assert(
      fc.property(value, (v) => {
        roundTrip(v);
        expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it('a toJSON (own, inherited, non-enumerable, on an array) is honoured, its Dates kept', () => {
    class Money {
      toJSON() {
        return { amount: 5, at: new Date(0) };
      }
    }
    class Tuple extends Array<number> {
      toJSON() {
        return { first: this[0], at: new Date(1) };
      }
    }
    const hidden = { a: 1 };
    Object.defineProperty(hidden, 'toJSON', { value: () => ({ at: new Date(2) }) });
    expect(roundTrip(new Money())).toEqual({ amount: 5, at: new Date(0) });
    expect(roundTrip(Tuple.from([7]))).toEqual({ first: 7, at: new Date(1) });
    expect(roundTrip(hidden)).toEqual({ at: new Date(2) });
  });

  it('plain JSON values are stored as plain JSON behind the marker (readable by any client)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        // An object with a "$t" key is escaped on purpose (it would read as a tag): not plain.
        fc.pre(!containsMinusZero(v) && !containsTagKey(v));
        expect(serializer.serialize(v)).toBe(`j${JSON.stringify(v)}`);
      }),
      { numRuns: 300 },
    );
  });

  it('plain JSON values round-trip too (the fast path)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(roundTrip(v)).toStrictEqual(v);
      }),
      { numRuns: 300 },
    );
  });
});

function containsTagKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return (!Array.isArray(value) && '$t' in value) || Object.values(value).some(containsTagKey);
}

function containsMinusZero(value: unknown): boolean {
  if (Object.is(value, -0)) return true;
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(containsMinusZero);
}
