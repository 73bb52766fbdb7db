// JSON with type tags for what plain JSON loses. Payloads without special values are written as
// plain JSON behind a one-character marker, so the common hit decodes with a bare JSON.parse.
// Decoding builds objects only through JSON.parse and Object.fromEntries (own data properties),
// so `__proto__` or `constructor` keys in cached data never reach a prototype.

const PLAIN = 'j';
const TAGGED = 't';
const TAG = '$t';

type Tagged = { [TAG]: string; v?: unknown };

const MAX_PLAIN_DEPTH = 64;

/** Encodes a value; throws a TypeError naming what cannot be represented. */
export function richJsonStringify(value: unknown): string {
  // Most values are plain JSON already: checking that first lets JSON.stringify run without a
  // replacer (a replacer call per value makes it about twice as slow).
  if (isPlainJson(value, 0)) return PLAIN + JSON.stringify(value);
  let tagged = false;
  const text = JSON.stringify(
    value,
    function (this: Record<string, unknown>, key, current: unknown) {
      // `current` has been through toJSON already (Date, Buffer); look at the original.
      const original = this[key];
      const encoded = encodeSpecial(original, current);
      if (encoded !== current) tagged = true;
      return encoded;
    },
  );
  if (text === undefined) throw new TypeError(`${describe(value)} cannot be serialized`);
  return (tagged ? TAGGED : PLAIN) + text;
}

/**
 * Whether JSON.stringify writes `value` exactly as it is: strings, booleans, finite numbers other
 * than -0, null, plain arrays and plain objects (no prototype but Array's or Object's, no toJSON)
 * of those, none with a "$t" key. Anything else, and very deep nesting (maybe a cycle), takes the
 * tagging path.
 */
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

function encodeSpecial(original: unknown, current: unknown): unknown {
  switch (typeof original) {
    case 'number':
      if (Number.isFinite(original) && !Object.is(original, -0)) return current;
      return { [TAG]: 'n', v: Object.is(original, -0) ? '-0' : String(original) };
    case 'bigint':
      return { [TAG]: 'b', v: original.toString() };
    case 'undefined':
      return { [TAG]: 'u' };
    case 'function':
    case 'symbol':
      throw new TypeError(`${describe(original)} cannot be serialized`);
    case 'object':
      if (original === null) return current;
      if (original instanceof Date) {
        const time = original.getTime();
        return { [TAG]: 'd', v: Number.isNaN(time) ? null : time };
      }
      if (original instanceof Map) return { [TAG]: 'm', v: [...original] };
      if (original instanceof Set) return { [TAG]: 's', v: [...original] };
      if (Buffer.isBuffer(original)) return { [TAG]: 'B', v: original.toString('base64') };
      if (original instanceof Uint8Array)
        return { [TAG]: 'U', v: Buffer.from(original).toString('base64') };
      if (current === original && !Array.isArray(original) && Object.hasOwn(original, TAG)) {
        // A user object that itself has a "$t" key: store it as entries so it is not read as a tag.
        return { [TAG]: 'o', v: Object.entries(original) };
      }
      return current;
    default:
      return current;
  }
}

const PLAIN_BYTE = PLAIN.charCodeAt(0);
const TAGGED_BYTE = TAGGED.charCodeAt(0);

/**
 * richJsonParse of the UTF-8 text in `data` from byte `start`, without an intermediate copy: the
 * marker is read as a byte and JSON.parse gets the text after it.
 */
export function richJsonParseBytes(data: Buffer, start: number): unknown {
  const marker = data[start];
  if (marker === PLAIN_BYTE) return JSON.parse(data.toString('utf8', start + 1));
  if (marker === TAGGED_BYTE) return decodeTagged(JSON.parse(data.toString('utf8', start + 1)));
  throw new TypeError('not a nestjs-redis-cache rich JSON payload');
}

/** The JSON text of a payload written without type tags (plain JSON), undefined otherwise. */
export function richJsonPlainText(data: Buffer, start: number): string | undefined {
  return data[start] === PLAIN_BYTE ? data.toString('utf8', start + 1) : undefined;
}

export function richJsonParse(text: string): unknown {
  const marker = text.charCodeAt(0);
  const body = text.slice(1);
  if (marker === PLAIN.charCodeAt(0)) return JSON.parse(body);
  if (marker === TAGGED.charCodeAt(0)) return decodeTagged(JSON.parse(body));
  throw new TypeError('not a nestjs-redis-cache rich JSON payload');
}

// Decodes depth-first after parsing (not with a reviver) so that a tagged `undefined` survives
// inside arrays and objects instead of deleting the slot.
function decodeTagged(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) return node;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) node[i] = decodeTagged(node[i]);
    return node;
  }
  const record = node as Record<string, unknown>;
  if (Object.hasOwn(record, TAG) && typeof record[TAG] === 'string')
    return decodeTag(record as Tagged);
  for (const key of Object.keys(record)) {
    const decoded = decodeTagged(record[key]);
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

function decodeTag(tagged: Tagged): unknown {
  const v = tagged.v;
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
      return new Map(
        (v as [unknown, unknown][]).map(([k, val]) => [decodeTagged(k), decodeTagged(val)]),
      );
    case 's':
      return new Set((v as unknown[]).map(decodeTagged));
    case 'B':
      return Buffer.from(v as string, 'base64');
    case 'U':
      return new Uint8Array(Buffer.from(v as string, 'base64'));
    case 'o':
      return Object.fromEntries(
        (v as [string, unknown][]).map(([k, val]) => [k, decodeTagged(val)]),
      );
    default:
      throw new TypeError(`unknown type tag "${String(tagged[TAG])}"`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'symbol') return `a symbol (${value.toString()})`;
  return `a value of type ${typeof value}`;
}
