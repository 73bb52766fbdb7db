// Serializers turn cached values into bytes and back. The default one round-trips Date, BigInt,
// Map, Set, Buffer, -0, NaN..., cannot pollute prototypes, and revives the classes it is given.
import { deserialize as v8Deserialize, serialize as v8Serialize } from 'node:v8';
import { ClassRegistry, type RevivableClass } from './class-registry.js';
import { jsonInSlices, yieldToEventLoop } from './large-payload.js';
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

/** How the codec reads and writes one serializer's payloads. */
export interface PayloadForms {
  /** Whether it is one of this library's (which store an unlisted class's fields only). */
  builtIn: boolean;
  /** Reads a payload from byte `start` of `data` (the built-in text ones without a Buffer view). */
  at: (data: Buffer, start: number) => unknown;
  /** at() for a large payload (large-payload.ts): in slices, or at least on a turn of its own. */
  largeAt: (data: Buffer, start: number) => Promise<unknown>;
  /** A payload of plain data (that L1 may keep parsed and copy per hit) read, else undefined. */
  plainJson?: (data: Buffer, start: number) => { value: unknown } | undefined;
  /** What it writes for a large value without a serialize() call (written in slices), if known. */
  largeForm?: (value: unknown) => LargeForm | undefined;
  classes?: ClassRegistry;
}

const FORMS = new WeakMap<CacheSerializer, PayloadForms>();

/** One of this library's serializers; without forms of its own, read as a user's one is. */
function builtIn(
  serializer: CacheSerializer,
  forms?: Omit<PayloadForms, 'builtIn'>,
): CacheSerializer {
  FORMS.set(serializer, { ...(forms ?? ownForms(serializer)), builtIn: true });
  return serializer;
}

function richJson(classes?: ClassRegistry): CacheSerializer {
  const at = (data: Buffer, start: number) => richJsonParseBytes(data, start, classes);
  return builtIn(
    { serialize: (value) => richJsonSerialize(value, classes), deserialize: (data) => at(data, 0) },
    {
      at,
      largeAt: (data, start) => richJsonParseLargeBytes(data, start, classes),
      plainJson: richJsonPlainValue,
      largeForm: richJsonLargeForm,
      classes,
    },
  );
}

const jsonAt = (data: Buffer, start: number): unknown => JSON.parse(data.toString('utf8', start));

export const SERIALIZERS: Record<SerializerName, CacheSerializer> = {
  default: richJson(),
  /** Plain JSON: fastest, but Dates come back as strings and Map/Set/BigInt are lost or rejected. */
  json: builtIn(
    {
      serialize: (value) => {
        const text = JSON.stringify(value);
        if (text === undefined) throw new TypeError(`${typeof value} is not JSON-serializable`);
        return text;
      },
      deserialize: (data) => jsonAt(data, 0),
    },
    {
      at: jsonAt,
      largeAt: jsonInSlices,
      plainJson: (data, start) => ({ value: jsonAt(data, start) }),
    },
  ),
  /** Node's structured clone format: binary, keeps cycles and typed arrays, not portable across languages. */
  v8: builtIn({
    serialize: (value) => v8Serialize(value),
    deserialize: (data) => v8Deserialize(data),
  }),
};

// Reads what the default one wrote, and the default one reads its entries as plain objects.
export function revivingSerializer(classes: readonly RevivableClass[]): CacheSerializer {
  return richJson(new ClassRegistry(classes));
}

/** The payload forms of `serializer`; another serializer's own deserialize for one of the user's. */
export function payloadForms(serializer: CacheSerializer): PayloadForms {
  return FORMS.get(serializer) ?? ownForms(serializer);
}

function ownForms(serializer: CacheSerializer): PayloadForms {
  const at = (data: Buffer, start: number) =>
    serializer.deserialize(start === 0 ? data : data.subarray(start));
  const largeAt = async (data: Buffer, start: number) => {
    await yieldToEventLoop();
    return at(data, start);
  };
  return { builtIn: false, at, largeAt };
}

export function isSerializer(value: unknown): value is CacheSerializer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as CacheSerializer).serialize === 'function' &&
    typeof (value as CacheSerializer).deserialize === 'function'
  );
}
