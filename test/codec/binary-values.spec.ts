// Binary values through the default serializer: a Buffer or Uint8Array value is stored as its own
// bytes behind a one-byte marker; nested ones as base64, never through Buffer#toJSON (which builds
// an array of one number per byte); every typed array keeps its class; entries written by earlier
// versions (a Buffer value as base64 in tagged JSON) still read.
import { describe, expect, it } from 'vitest';
import { SERIALIZERS } from '../../lib/codec/serializer.js';

const serializer = SERIALIZERS.default;

function roundTrip<T>(value: T): T {
  const serialized = serializer.serialize(value);
  const bytes = typeof serialized === 'string' ? Buffer.from(serialized, 'utf8') : serialized;
  return serializer.deserialize(Buffer.from(bytes)) as T;
}

/** A Buffer whose toJSON fails the test if anything calls it. */
function bufferWithoutToJSON(bytes: number[]): Buffer {
  const buffer = Buffer.from(bytes);
  Object.defineProperty(buffer, 'toJSON', {
    value: () => {
      throw new Error('Buffer#toJSON was called');
    },
  });
  return buffer;
}

describe('binary values in the default serializer', () => {
  it('a Buffer value is its bytes behind one marker byte, and reads back as a Buffer', () => {
    const value = Buffer.from([0, 1, 2, 255]);
    const serialized = serializer.serialize(value);
    expect(Buffer.from(serialized as Uint8Array)).toEqual(Buffer.from([0x72, 0, 1, 2, 255]));
    const back = roundTrip(value);
    expect(Buffer.isBuffer(back)).toBe(true);
    expect(back).toEqual(value);
  });

  it('a Uint8Array value reads back as a Uint8Array, not a Buffer', () => {
    const back = roundTrip(new Uint8Array([5, 6, 7]).subarray(1));
    expect(Buffer.isBuffer(back)).toBe(false);
    expect(back).toStrictEqual(new Uint8Array([6, 7]));
  });

  it('the value read is a copy: changing it does not change the stored bytes', () => {
    const stored = Buffer.from(serializer.serialize(Buffer.from([1, 2, 3])) as Uint8Array);
    const first = serializer.deserialize(stored) as Buffer;
    first[0] = 99;
    expect(serializer.deserialize(stored)).toEqual(Buffer.from([1, 2, 3]));
  });

  it('never calls Buffer#toJSON, at the top or nested in objects, arrays, Maps and Sets', () => {
    const value = {
      top: bufferWithoutToJSON([1, 2]),
      list: [bufferWithoutToJSON([3])],
      byName: new Map([['x', bufferWithoutToJSON([4])]]),
      set: new Set([bufferWithoutToJSON([5])]),
      when: new Date(0),
    };
    const back = roundTrip(value);
    expect(back.top).toEqual(Buffer.from([1, 2]));
    expect(back.list[0]).toEqual(Buffer.from([3]));
    expect(back.byName.get('x')).toEqual(Buffer.from([4]));
    expect([...back.set][0]).toEqual(Buffer.from([5]));
    expect(back.when).toEqual(new Date(0));
  });

  it('leaves the caller’s value untouched (binary parts are swapped in a copy)', () => {
    const inner = Buffer.from([9]);
    const value = { a: { b: [inner] }, keep: { same: true } };
    roundTrip(value);
    expect(value.a.b[0]).toBe(inner);
    expect(value).toEqual({ a: { b: [Buffer.from([9])] }, keep: { same: true } });
  });

  it('every typed array keeps its class and contents', () => {
    const values = [
      new Int8Array([-1, 2]),
      new Uint8ClampedArray([0, 255]),
      new Int16Array([-300, 300]),
      new Uint16Array([65535]),
      new Int32Array([-1 << 30]),
      new Uint32Array([2 ** 32 - 1]),
      new Float32Array([1.5, -0, Number.NaN]),
      new Float64Array([Math.PI, Number.NEGATIVE_INFINITY]),
      new BigInt64Array([-(2n ** 63n)]),
      new BigUint64Array([2n ** 64n - 1n]),
      new Float64Array(new ArrayBuffer(64), 8, 3), // a view at an offset
    ];
    for (const value of values) expect(roundTrip({ value }).value).toStrictEqual(value);
  });

  it('an object key "$t" next to binary values is still just a key', () => {
    const value = { $t: 'B', v: 'AAEC', data: Buffer.from([1]) };
    expect(roundTrip(value)).toEqual(value);
  });

  it('refuses a typed array name it does not know when reading', () => {
    const payload = Buffer.from('t{"$t":"A","v":["Function","AAAA"]}');
    expect(() => serializer.deserialize(payload)).toThrow('unknown typed array "Function"');
  });

  it('reads the entries earlier versions wrote (a Buffer value as base64 in tagged JSON)', () => {
    const earlier = Buffer.from('t{"$t":"B","v":"AAEC/w=="}');
    expect(serializer.deserialize(earlier)).toEqual(Buffer.from([0, 1, 2, 255]));
    const nested = Buffer.from('t{"img":{"$t":"U","v":"CQg="}}');
    expect(serializer.deserialize(nested)).toStrictEqual({ img: new Uint8Array([9, 8]) });
  });
});
