// JSON with type tags for what plain JSON loses; plain payloads are JSON behind a one-character
// marker (the common hit is a bare JSON.parse). Decoding builds own data properties only (no
// `__proto__` reaches a prototype), and instances only of classes the app listed (ClassRegistry).

import { types } from 'node:util';
import type { ClassRegistry } from './class-registry.js';
import {
  copyInSlices,
  jsonInSlices,
  LARGE_PAYLOAD_BYTES,
  utf8TextInSlices,
} from './large-payload.js';

const PLAIN = 'j';
const TAGGED = 't';
/** A string value's own text follows (large strings only; smaller ones are plain JSON). */
const TEXT = 's';
const TAG = '$t';

type Tagged = { [TAG]: string; v?: unknown };

const MAX_PLAIN_DEPTH = 64;

// Binary values and large strings go behind a marker byte as they are: no base64 or byte array,
// and no JSON.stringify/JSON.parse (100+ ms each for 50 MB).
export function richJsonSerialize(value: unknown, classes?: ClassRegistry): string | Buffer {
  if (typeof value === 'string' && isLargeText(value)) return TEXT + value;
  if (value instanceof Uint8Array) {
    const bytes = Buffer.allocUnsafe(value.byteLength + 1);
    bytes[0] = Buffer.isBuffer(value) ? RAW_BUFFER_BYTE : RAW_UINT8_BYTE;
    bytes.set(value, 1);
    return bytes;
  }
  return richJsonStringify(value, classes);
}

/** A marker byte and the text (as UTF-8) or bytes that follow it. */
export type LargeForm = { marker: number; body: string | Uint8Array };

/** richJsonSerialize's form of a large string or binary, for the codec to write in slices. */
export function richJsonLargeForm(value: unknown): LargeForm | undefined {
  if (typeof value === 'string')
    return isLargeText(value) ? { marker: TEXT_BYTE, body: value } : undefined;
  if (!(value instanceof Uint8Array) || value.byteLength < LARGE_PAYLOAD_BYTES) return undefined;
  return { marker: Buffer.isBuffer(value) ? RAW_BUFFER_BYTE : RAW_UINT8_BYTE, body: value };
}

// UTF-8 cannot hold a lone surrogate (JSON keeps it escaped): such a string takes the JSON path.
function isLargeText(value: string): boolean {
  return value.length >= LARGE_PAYLOAD_BYTES && (value as WellFormedCheck).isWellFormed();
}

/** String.prototype.isWellFormed (Node 20+; the compiler's lib predates it). */
type WellFormedCheck = string & { isWellFormed(): boolean };

/** Throws a TypeError naming what cannot be represented. */
export function richJsonStringify(value: unknown, classes?: ClassRegistry): string {
  // Most values are plain JSON already: checking that first lets JSON.stringify run on the value
  // itself, with no tagged copy built.
  if (isPlainJson(value, 0)) return PLAIN + JSON.stringify(value);
  const tree = new TaggedTree(classes);
  const text = JSON.stringify(tree.of(value, ''));
  if (text === undefined) throw new TypeError(`${describe(value)} cannot be serialized`);
  return (tree.tagged ? TAGGED : PLAIN) + text;
}

// Whether JSON.stringify writes `value` exactly as it is; very deep nesting (maybe a cycle) takes
// the tagging path.
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth > MAX_PLAIN_DEPTH) return false;
      // JSON.stringify would write what a toJSON returns (own, inherited or non-enumerable).
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (Array.isArray(value)) {
        if (prototype !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i], depth + 1)) return false;
        return true;
      }
      if (prototype !== Object.prototype && prototype !== null) return false;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      for (let i = 0; i < keys.length; i++) {
        if (keys[i] === TAG || !isPlainJson(record[keys[i]], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

// Typed arrays other than Uint8Array, by name: decoding builds only these.
const TYPED_ARRAYS = {
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

function isTypedArray(value: object): value is ArrayBufferView {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return false;
  return value instanceof Uint8Array || Object.hasOwn(TYPED_ARRAYS, value.constructor?.name ?? '');
}

/**
 * What JSON.stringify is to write for a value: a copy with the types plain JSON loses tagged,
 * read from the values themselves (a Buffer's toJSON, an array of one number per byte, would cost
 * seconds and gigabytes for a large one), and what other objects' toJSON return.
 */
class TaggedTree {
  tagged = false;
  /** The objects being copied, from the root down: meeting one of them again is a cycle. */
  private readonly path = new Set<object>();

  constructor(private readonly classes?: ClassRegistry) {}

  of(value: unknown, key: string): unknown {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        if (Number.isFinite(value) && !Object.is(value, -0)) return value;
        return this.tag('n', Object.is(value, -0) ? '-0' : String(value));
      case 'bigint':
        return this.tag('b', value.toString());
      case 'undefined':
        return this.tag('u', undefined);
      case 'object': {
        if (value === null) return null;
        if (this.path.has(value)) throw new TypeError('a circular structure cannot be serialized');
        this.path.add(value);
        const copy = this.ofObject(value, key);
        this.path.delete(value);
        return copy;
      }
      default:
        throw new TypeError(`${describe(value)} cannot be serialized`);
    }
  }

  private ofObject(value: object, key: string): unknown {
    if (isTypedArray(value)) {
      const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      const base64 = bytes.toString('base64');
      if (Buffer.isBuffer(value)) return this.tag('B', base64);
      if (value instanceof Uint8Array) return this.tag('U', base64);
      return this.tag('A', [value.constructor.name, base64]);
    }
    if (value instanceof Date) {
      const time = value.getTime();
      return this.tag('d', Number.isNaN(time) ? null : time);
    }
    // A Map's entries as [key, value] pairs.
    if (value instanceof Map) return this.tag('m', this.members([...value]));
    if (value instanceof Set) return this.tag('s', this.members([...value]));
    const name = this.classes?.nameOf(value);
    // Fields as entries, like 'o': a "$t" field is never read as a tag.
    if (name !== undefined) return this.tag('c', [name, this.members(Object.entries(value))]);
    // JSON.stringify unboxes these itself.
    if (types.isBoxedPrimitive(value)) return value;
    // JSON.stringify writes what a toJSON returns (own, inherited or non-enumerable) instead.
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const json: unknown = toJSON.call(value, key);
      return typeof json === 'object' && json !== null ? this.members(json) : json;
    }
    // A user object that itself has a "$t" key: stored as entries so it is not read as a tag.
    if (!Array.isArray(value) && Object.hasOwn(value, TAG))
      return this.tag('o', this.members(Object.entries(value)));
    return this.members(value);
  }

  /** The elements or own fields, copied (without a prototype: a "__proto__" key stays a key). */
  private members(value: object): unknown {
    if (Array.isArray(value)) {
      const copy = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) copy[i] = this.of(value[i], `${i}`);
      return copy;
    }
    const copy = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value))
      copy[key] = this.of((value as Record<string, unknown>)[key], key);
    return copy;
  }

  private tag(name: string, v: unknown): Tagged {
    this.tagged = true;
    return { [TAG]: name, v };
  }
}

const PLAIN_BYTE = PLAIN.charCodeAt(0);
const TAGGED_BYTE = TAGGED.charCodeAt(0);
const TEXT_BYTE = TEXT.charCodeAt(0);
// A Buffer's / a Uint8Array's own bytes follow (richJsonSerialize).
const RAW_BUFFER_BYTE = 'r'.charCodeAt(0);
const RAW_UINT8_BYTE = 'R'.charCodeAt(0);

/** richJsonParse of `data` from byte `start`, without an intermediate copy. */
export function richJsonParseBytes(data: Buffer, start: number, classes?: ClassRegistry): unknown {
  const marker = data[start];
  if (marker === PLAIN_BYTE) return JSON.parse(data.toString('utf8', start + 1));
  if (marker === TAGGED_BYTE)
    return decodeTagged(JSON.parse(data.toString('utf8', start + 1)), classes);
  if (marker === TEXT_BYTE) return data.toString('utf8', start + 1);
  // A copy: the caller owns its value, and the stored bytes may be kept (L1) for the next hit.
  if (marker === RAW_BUFFER_BYTE) return Buffer.from(data.subarray(start + 1));
  if (marker === RAW_UINT8_BYTE) return new Uint8Array(data.subarray(start + 1));
  throw new TypeError('not a nestjs-redis-cache rich JSON payload');
}

// Decoded in slices and parsed on a later turn, so no single step blocks the event loop for long.
export async function richJsonParseLargeBytes(
  data: Buffer,
  start: number,
  classes?: ClassRegistry,
): Promise<unknown> {
  const marker = data[start];
  if (marker === RAW_BUFFER_BYTE || marker === RAW_UINT8_BYTE) {
    const copy = Buffer.allocUnsafe(data.length - start - 1);
    await copyInSlices([data.subarray(start + 1)], copy, 0);
    return marker === RAW_BUFFER_BYTE
      ? copy
      : new Uint8Array(copy.buffer, copy.byteOffset, copy.length);
  }
  if (marker === TEXT_BYTE) return utf8TextInSlices(data, start + 1);
  if (marker !== PLAIN_BYTE && marker !== TAGGED_BYTE)
    return richJsonParseBytes(data, start, classes);
  const parsed = await jsonInSlices(data, start + 1);
  return marker === PLAIN_BYTE ? parsed : decodeTagged(parsed, classes);
}

/** The value of a plain-data payload (plain JSON, or a large string's text); else undefined. */
export function richJsonPlainValue(data: Buffer, start: number): { value: unknown } | undefined {
  const marker = data[start];
  if (marker === PLAIN_BYTE) return { value: JSON.parse(data.toString('utf8', start + 1)) };
  if (marker === TEXT_BYTE) return { value: data.toString('utf8', start + 1) };
  return undefined;
}

export function richJsonParse(text: string): unknown {
  const marker = text.charCodeAt(0);
  const body = text.slice(1);
  if (marker === PLAIN_BYTE) return JSON.parse(body);
  if (marker === TAGGED_BYTE) return decodeTagged(JSON.parse(body));
  throw new TypeError('not a nestjs-redis-cache rich JSON payload');
}

// Decodes depth-first after parsing (not with a reviver) so that a tagged `undefined` survives
// inside arrays and objects instead of deleting the slot.
function decodeTagged(node: unknown, classes?: ClassRegistry): unknown {
  if (typeof node !== 'object' || node === null) return node;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) node[i] = decodeTagged(node[i], classes);
    return node;
  }
  const record = node as Record<string, unknown>;
  if (Object.hasOwn(record, TAG) && typeof record[TAG] === 'string')
    return decodeTag(record as Tagged, classes);
  for (const key of Object.keys(record)) {
    const decoded = decodeTagged(record[key], classes);
    if (decoded !== record[key])
      Object.defineProperty(record, key, {
        value: decoded,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return record;
}

function decodeTag(tagged: Tagged, classes?: ClassRegistry): unknown {
  const v = tagged.v;
  const decode = (node: unknown) => decodeTagged(node, classes);
  switch (tagged[TAG]) {
    case 'n':
      return v === '-0' ? -0 : Number(v);
    case 'b':
      return BigInt(v as string);
    case 'u':
      return undefined;
    case 'd':
      return new Date(v === null ? Number.NaN : (v as number));
    case 'm':
      return new Map((v as [unknown, unknown][]).map(([k, val]) => [decode(k), decode(val)]));
    case 's':
      return new Set((v as unknown[]).map(decode));
    case 'B':
      return Buffer.from(v as string, 'base64');
    case 'U':
      return new Uint8Array(Buffer.from(v as string, 'base64'));
    case 'A': {
      const [name, base64] = v as [string, string];
      if (!Object.hasOwn(TYPED_ARRAYS, name)) throw new TypeError(`unknown typed array "${name}"`);
      const bytes = Buffer.from(base64, 'base64');
      // A fresh, aligned buffer of its own: the decoded bytes may start at any offset.
      const copy = new Uint8Array(bytes).buffer;
      const Type = TYPED_ARRAYS[name as TypedArrayName];
      return new Type(copy, 0, copy.byteLength / Type.BYTES_PER_ELEMENT);
    }
    case 'o':
      return Object.fromEntries((v as [string, unknown][]).map(([k, val]) => [k, decode(val)]));
    case 'c': {
      const [name, fields] = v as [string, [string, unknown][]];
      const decoded = fields.map(([k, val]): [string, unknown] => [k, decode(val)]);
      // Without a registry (a serializer without classes reading it): the plain fields.
      return classes ? classes.revive(name, decoded) : Object.fromEntries(decoded);
    }
    default:
      throw new TypeError(`unknown type tag "${String(tagged[TAG])}"`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'symbol') return `a symbol (${value.toString()})`;
  return `a value of type ${typeof value}`;
}
