// A hash of arbitrary arguments that is the same in every process and after restarts, and equal
// for deep-equal values whatever their property or insertion order: the default key of
// @Cacheable. Values are first written in a canonical text form, then hashed with SHA-256.
import { createHash } from 'node:crypto';

/** Thrown for values that have no stable identity (functions, symbols, cycles). */
export class UnhashableValueError extends Error {}

/** 22 characters of base64url (128 bits of SHA-256) of the canonical form of `value`. */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(canonicalize(value)).digest('base64url').slice(0, 22);
}

/**
 * The canonical text of a value. Object keys are sorted and properties holding `undefined` are
 * left out (as JSON does); Map entries and Set members are sorted by their own canonical text;
 * Dates, BigInts, Maps, Sets, binary data and RegExps each have their own tag, so `1`, `1n`,
 * `'1'` and `new Date(1)` never share a form. Objects with a `toJSON()` (ObjectId, Decimal,
 * Luxon...) are taken by what it returns. Class instances are hashed by their own data, like
 * plain objects, so a DTO instance and the equal plain object share a key.
 */
export function canonicalize(value: unknown): string {
  return encode(value, [], '$');
}

function encode(value: unknown, seen: object[], path: string): string {
  switch (typeof value) {
    case 'undefined':
      return 'u';
    case 'boolean':
      return value ? 't' : 'f';
    case 'number':
      // -0 and 0 are one key, as they are one number in a template.
      return `n${Object.is(value, -0) ? '0' : String(value)}`;
    case 'bigint':
      return `b${value.toString()}`;
    case 'string':
      return JSON.stringify(value);
    case 'function':
    case 'symbol':
      throw new UnhashableValueError(`${path} is a ${typeof value}, which has no stable identity`);
  }
  if (value === null) return 'N';
  const object = value as object;
  if (seen.includes(object)) throw new UnhashableValueError(`${path} refers back to itself`);
  seen.push(object);
  try {
    return encodeObject(object, seen, path);
  } finally {
    seen.pop();
  }
}

function encodeObject(object: object, seen: object[], path: string): string {
  if (object instanceof Date) return `D${object.getTime()}`;
  if (object instanceof RegExp) return `R${JSON.stringify(String(object))}`;
  if (ArrayBuffer.isView(object))
    return `X${Buffer.from(object.buffer, object.byteOffset, object.byteLength).toString('hex')}`;
  if (object instanceof ArrayBuffer) return `X${Buffer.from(object).toString('hex')}`;
  if (Array.isArray(object)) {
    const items: string[] = [];
    for (let i = 0; i < object.length; i++) items.push(encode(object[i], seen, `${path}[${i}]`));
    return `[${items.join(',')}]`;
  }
  if (object instanceof Map) {
    const entries = [...object].map(
      ([key, item]) =>
        `${encode(key, seen, `${path}.<key>`)}>${encode(item, seen, `${path}.get(...)`)}`,
    );
    return `M{${entries.sort().join(',')}}`;
  }
  if (object instanceof Set) {
    const members = [...object].map((member) => encode(member, seen, `${path}.<member>`));
    return `S{${members.sort().join(',')}}`;
  }
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return `J${encode(toJSON.call(object), seen, path)}`;
  const fields: string[] = [];
  for (const name of Object.keys(object).sort()) {
    const item = (object as Record<string, unknown>)[name];
    if (item !== undefined)
      fields.push(`${JSON.stringify(name)}:${encode(item, seen, `${path}.${name}`)}`);
  }
  return `{${fields.join(',')}}`;
}
