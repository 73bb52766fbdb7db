// Serializers turn cached values into bytes and back. The default one round-trips what service
// methods usually return (Date, BigInt, Map, Set, Buffer, -0, NaN...) and cannot be used to
// pollute prototypes, and, given classes, revives their instances; users may plug their own
// `{ serialize, deserialize }`.
import { deserialize as v8Deserialize, serialize as v8Serialize } from 'node:v8';
import { ClassRegistry, type RevivableClass } from './class-registry.js';
import { utf8TextInSlices, yieldToEventLoop } from './large-payload.js';
import {
  richJsonLargeForm,
  richJsonParseBytes,
  richJsonParseLargeBytes,
  richJsonPlainValue,
  richJsonSerialize,
  type LargeForm,
} from './rich-json.js';
import type { CacheSerializer } from '../options/resolved-options.js';

export type { CacheSerializer };

export type SerializerName = 'default' | 'json' | 'v8';

export const SERIALIZERS: Record<SerializerName, CacheSerializer> = {
  default: {
    serialize: richJsonSerialize,
    deserialize: (data) => richJsonParseBytes(data, 0),
  },
  /** Plain JSON: fastest, but Dates come back as strings and Map/Set/BigInt are lost or rejected. */
  json: {
    serialize: (value) => {
      const text = JSON.stringify(value);
      if (text === undefined) throw new TypeError(`${typeof value} is not JSON-serializable`);
      return text;
    },
    deserialize: (data) => JSON.parse(data.toString('utf8')),
  },
  /** Node's structured clone format: binary, keeps cycles and typed arrays, not portable across languages. */
  v8: { serialize: (value) => v8Serialize(value), deserialize: (data) => v8Deserialize(data) },
};

/** The classes each class-reviving default serializer builds again on a hit. */
const REGISTRIES = new WeakMap<CacheSerializer, ClassRegistry>();

/**
 * The default serializer that writes an instance of one of `classes` with its class's name and
 * revives it on a hit (`serializer: { classes }`); it reads what the default one wrote, and the
 * default one reads its entries as plain objects.
 */
export function revivingSerializer(classes: readonly RevivableClass[]): CacheSerializer {
  const registry = new ClassRegistry(classes);
  const serializer: CacheSerializer = {
    serialize: (value) => richJsonSerialize(value, registry),
    deserialize: (data) => richJsonParseBytes(data, 0, registry),
  };
  REGISTRIES.set(serializer, registry);
  IN_PLACE.set(serializer, (data, start) => richJsonParseBytes(data, start, registry));
  LARGE_IN_PLACE.set(serializer, (data, start) => richJsonParseLargeBytes(data, start, registry));
  PLAIN_JSON.set(serializer, richJsonPlainValue);
  return serializer;
}

/**
 * Whether a hit returns `value` (a class instance) as an instance of its class: only with a
 * class-reviving serializer that lists it.
 */
export function revivesClassOf(serializer: CacheSerializer, value: object): boolean {
  return REGISTRIES.get(serializer)?.revives(value) ?? false;
}

/** Whether the serializer is the default one (with classes or without): rich JSON. */
function isRichJson(serializer: CacheSerializer): boolean {
  return serializer === SERIALIZERS.default || REGISTRIES.has(serializer);
}

/** Whether the serializer is one of this library's (which store an unlisted class's fields only). */
export function isBuiltInSerializer(serializer: CacheSerializer): boolean {
  return Object.values(SERIALIZERS).includes(serializer) || REGISTRIES.has(serializer);
}

export function isSerializer(value: unknown): value is CacheSerializer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as CacheSerializer).serialize === 'function' &&
    typeof (value as CacheSerializer).deserialize === 'function'
  );
}

/** Reads a value from `data` starting at byte `start`. */
export type DeserializeAt = (data: Buffer, start: number) => unknown;

// The built-in text serializers read the payload in place: no Buffer view per read on the hit path.
const IN_PLACE = new WeakMap<CacheSerializer, DeserializeAt>([
  [SERIALIZERS.default, richJsonParseBytes],
  [SERIALIZERS.json, (data, start) => JSON.parse(data.toString('utf8', start))],
]);

export type { LargeForm };

/** What the serializer writes for a large value without a serialize() call, if it knows. */
export type LargeFormOf = (value: unknown) => LargeForm | undefined;

/** The default serializer writes large strings and binaries as they are, in slices. */
export function largeFormOf(serializer: CacheSerializer): LargeFormOf | undefined {
  return isRichJson(serializer) ? richJsonLargeForm : undefined;
}

/** Reads a large value (large-payload.ts) from `data` starting at byte `start`, in steps. */
export type DeserializeLargeAt = (data: Buffer, start: number) => Promise<unknown>;

// The built-in text serializers read a large payload in slices, parsing on a later turn.
const LARGE_IN_PLACE = new WeakMap<CacheSerializer, DeserializeLargeAt>([
  [SERIALIZERS.default, richJsonParseLargeBytes],
  [
    SERIALIZERS.json,
    async (data, start) => {
      const text = await utf8TextInSlices(data, start);
      await yieldToEventLoop();
      return JSON.parse(text) as unknown;
    },
  ],
]);

/**
 * How the codec reads a large payload: in steps for the built-in text serializers; another
 * serializer's own deserialize, on a turn of its own.
 */
export function largeDeserializerAt(serializer: CacheSerializer): DeserializeLargeAt {
  const inPlace = deserializerAt(serializer);
  return (
    LARGE_IN_PLACE.get(serializer) ??
    (async (data, start) => {
      await yieldToEventLoop();
      return inPlace(data, start);
    })
  );
}

/** A payload of plain data (plain JSON, a string) read as its value, or undefined. */
export type PlainJsonAt = (data: Buffer, start: number) => { value: unknown } | undefined;

// The payloads of the built-in text serializers that plain JSON.parse reads back exactly: L1 keeps
// those parsed and copies them per hit instead of parsing again.
const PLAIN_JSON = new WeakMap<CacheSerializer, PlainJsonAt>([
  [SERIALIZERS.default, richJsonPlainValue],
  [SERIALIZERS.json, (data, start) => ({ value: JSON.parse(data.toString('utf8', start)) })],
]);

/** How to find plain JSON in this serializer's payloads, undefined if it never writes any. */
export function plainJsonAt(serializer: CacheSerializer): PlainJsonAt | undefined {
  return PLAIN_JSON.get(serializer);
}

/** How the codec reads a payload that starts at `start` in a stored entry, for this serializer. */
export function deserializerAt(serializer: CacheSerializer): DeserializeAt {
  return (
    IN_PLACE.get(serializer) ??
    ((data, start) => serializer.deserialize(start === 0 ? data : data.subarray(start)))
  );
}
