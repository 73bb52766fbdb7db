// One cache entry in Redis: '1' <flags> [<metaLength>:<meta JSON>] <payload> (compressed above the
// threshold). flags is '0' + a bit mask: 1 deflate, 2 brotli, 4 metadata present, 8 raw
// bytes (a RawBytes value: the payload is the bytes themselves, never passed to the serializer).
import {
  createBrotliCompress,
  createBrotliDecompress,
  createDeflate,
  createInflate,
} from 'node:zlib';
import { constants as zlibConstants } from 'node:zlib';
import { CacheEntryTooLargeError, CacheValueTooLargeError } from '../errors/errors.js';
import {
  copyInSlices,
  joined,
  LARGE_PAYLOAD_BYTES,
  roomyBuffer,
  throughZlib,
  withHeader,
  utf8LengthInSlices,
  writeUtf8InSlices,
  yieldToEventLoop,
} from './large-payload.js';
import { payloadForms, type PayloadForms } from './serializer.js';
import type { CacheSerializer } from '../options/resolved-options.js';
import type { CompressionAlgorithm, CompressionSettings } from '../options/resolved-options.js';

export type { CompressionAlgorithm, CompressionSettings };

const FORMAT_VERSION = 0x31; // '1'
const FLAG_DEFLATE = 1;
const FLAG_BROTLI = 2;
const FLAG_META = 4;
const FLAG_RAW = 8;
const FLAG_COMPRESSED = FLAG_DEFLATE | FLAG_BROTLI;
const ZERO = 0x30; // '0'
const COLON = 0x3a;

/** Largest serialized value stored by default (option limits.valueBytes): 64 MiB. */
export const DEFAULT_MAX_VALUE_BYTES = 64 * 1024 * 1024;

/** Short field names: entries with grace or early recomputation carry ~30 bytes more. */
export interface EntryMeta {
  /** Tag name → the tag's version when the entry was written. */
  tags?: Record<string, string>;
  /** Fresh until (epoch ms); after it the entry is stale, kept only for its grace period. */
  f?: number;
  /** How long the factory took (ms): XFetch's delta. */
  d?: number;
}

/** Stored and read without the serializer; a hit's bytes view the entry, never modified. */
export class RawBytes {
  constructor(readonly bytes: Buffer) {}
}

export interface EncodedValue {
  payload: Buffer;
  flags: number;
  /** Before compression. */
  plainBytes: number;
}

/** Whether a stored entry's payload is compressed (read from its header, nothing decoded). */
export function isCompressedEntry(entry: Buffer): boolean {
  return entry.length >= 2 && ((entry[1] - ZERO) & FLAG_COMPRESSED) !== 0;
}

export interface DecodedEntry {
  value: unknown;
  meta?: EntryMeta;
}

export class EntryCodec {
  private readonly forms: PayloadForms;
  /** Whether the serializer is a built-in one (which stores a class instance as a plain object). */
  readonly builtInSerializer: boolean;
  /** Whether a hit returns this class instance as one (its class is listed in `serializer.classes`). */
  readonly revivesClassOf = (value: object): boolean =>
    this.forms.classes?.nameOf(value) !== undefined;

  constructor(
    private readonly serializer: CacheSerializer,
    private readonly compression: CompressionSettings | false,
    private readonly maxValueBytes = DEFAULT_MAX_VALUE_BYTES,
  ) {
    this.forms = payloadForms(serializer);
    this.builtInSerializer = this.forms.builtIn;
  }

  /** Throws before anything is sent if it cannot be stored (a binary before it is copied). */
  async encodeValue(value: unknown, key = ''): Promise<EncodedValue> {
    let payload: Buffer;
    let flags = 0;
    if (value instanceof RawBytes) {
      payload = value.bytes;
      flags = FLAG_RAW;
    } else {
      if (ArrayBuffer.isView(value)) this.checkSize(key, value.byteLength);
      const form = this.forms.largeForm?.(value) ?? this.serializer.serialize(value);
      if (typeof form !== 'string')
        payload =
          'marker' in form
            ? await this.writeLarge(key, form.body, form.marker)
            : Buffer.from(form.buffer, form.byteOffset, form.byteLength);
      else if (form.length < LARGE_PAYLOAD_BYTES) payload = Buffer.from(form, 'utf8');
      else payload = await this.writeLarge(key, form);
    }
    this.checkSize(key, payload.length);
    const plainBytes = payload.length;
    if (this.compression && payload.length > this.compression.threshold) {
      const brotli = this.compression.algorithm === 'brotli';
      const params = {
        [zlibConstants.BROTLI_PARAM_QUALITY]: 4,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: payload.length,
      };
      const stream = brotli ? createBrotliCompress({ params }) : createDeflate();
      payload = await throughZlib(stream, payload, Infinity, true);
      flags |= brotli ? FLAG_BROTLI : FLAG_DEFLATE;
    }
    // A large payload gets room for the header in front, so that assemble() need not copy it.
    if (payload.length >= LARGE_PAYLOAD_BYTES)
      payload = await joined([payload], payload.length, true);
    return { payload, flags, plainBytes };
  }

  /** Written in slices into a roomy buffer; refused before it is copied if over the limit. */
  private async writeLarge(key: string, body: string | Uint8Array, marker?: number) {
    // Whatever made the value (a serializer's JSON.stringify) had its turn of the event loop.
    await yieldToEventLoop();
    const front = marker === undefined ? 0 : 1;
    const size =
      front + (typeof body === 'string' ? await utf8LengthInSlices(body) : body.byteLength);
    this.checkSize(key, size);
    const payload = roomyBuffer(size);
    if (marker !== undefined) payload[0] = marker;
    if (typeof body === 'string') await writeUtf8InSlices(body, payload, front);
    else await copyInSlices([body], payload, front);
    return payload;
  }

  private checkSize(key: string, bytes: number): void {
    if (bytes > this.maxValueBytes)
      throw new CacheValueTooLargeError(key, bytes, this.maxValueBytes);
  }

  assemble({ payload, flags }: Omit<EncodedValue, 'plainBytes'>, meta?: EntryMeta): Buffer {
    if (!meta || !hasContent(meta))
      return withHeader(Buffer.from([FORMAT_VERSION, ZERO + flags]), payload);
    const json = JSON.stringify(meta);
    const flag = String.fromCharCode(ZERO + (flags | FLAG_META));
    return withHeader(Buffer.from(`1${flag}${Buffer.byteLength(json)}:${json}`), payload);
  }

  /** The same entry (payload untouched, still compressed) with other metadata. */
  withMeta(entry: Buffer, meta: EntryMeta): Buffer {
    const { flags, at } = this.split(entry);
    return this.assemble({ payload: entry.subarray(at), flags: flags & ~FLAG_META }, meta);
  }

  /**
   * Synchronous unless compressed or large (a plain hit costs no promise; a large one is converted
   * in steps); a corrupt entry throws a TypeError. Always `await` it.
   */
  decode(entry: Buffer): DecodedEntry | Promise<DecodedEntry> {
    const split = this.split(entry);
    if (split.flags & FLAG_COMPRESSED) return this.decompress(entry, split);
    // Written by an instance with a larger limit, or from outside: never deserialized here.
    if (entry.length - split.at > this.maxValueBytes)
      throw new CacheEntryTooLargeError(this.maxValueBytes);
    return this.decodeNow(entry, split) ?? this.decodeLarge(entry, split);
  }

  /** decode() when it needs no asynchronous work (not compressed, not large); else undefined. */
  decodeNow(entry: Buffer, { flags, meta, at } = this.split(entry)): DecodedEntry | undefined {
    if (flags & FLAG_COMPRESSED) return undefined;
    if (flags & FLAG_RAW) return { value: new RawBytes(entry.subarray(at)), meta };
    if (entry.length - at >= LARGE_PAYLOAD_BYTES) return undefined;
    return { value: this.forms.at(entry, at), meta };
  }

  /** An uncompressed raw-bytes entry's view (L1 keeps it and hands it to every hit). */
  rawBytesValue(entry: Buffer): { value: RawBytes } | undefined {
    const { flags, at } = this.split(entry);
    if (!(flags & FLAG_RAW) || flags & FLAG_COMPRESSED) return undefined;
    return { value: new RawBytes(entry.subarray(at)) };
  }

  /**
   * An uncompressed plain-data entry's value (plain JSON or a large string's text), which a JSON
   * copy reproduces exactly; undefined for any other entry.
   */
  plainJsonValue(entry: Buffer): { value: unknown } | undefined {
    if (!this.forms.plainJson) return undefined;
    const { flags, at } = this.split(entry);
    if (flags & (FLAG_COMPRESSED | FLAG_RAW)) return undefined;
    return this.forms.plainJson(entry, at);
  }

  private async decompress(entry: Buffer, { flags, meta, at }: Split): Promise<DecodedEntry> {
    const stream = flags & FLAG_DEFLATE ? createInflate() : createBrotliDecompress();
    const payload = await throughZlib(stream, entry.subarray(at), this.maxValueBytes, false);
    const plain = { flags: flags & ~FLAG_COMPRESSED, meta, at: 0 };
    return this.decodeNow(payload, plain) ?? this.decodeLarge(payload, plain);
  }

  private async decodeLarge(entry: Buffer, { meta, at }: Split): Promise<DecodedEntry> {
    return { value: await this.forms.largeAt(entry, at), meta };
  }

  private split(entry: Buffer): Split {
    if (entry.length < 2 || entry[0] !== FORMAT_VERSION)
      throw new TypeError('unknown entry format');
    const flags = entry[1] - ZERO;
    if (flags < 0 || flags > 15) throw new TypeError('unknown entry flags');
    if (!(flags & FLAG_META)) return { flags, at: 2 };
    const colon = entry.indexOf(COLON, 2);
    const length = Number(entry.toString('latin1', 2, colon));
    if (colon < 0 || !Number.isInteger(length)) throw new TypeError('corrupt entry metadata');
    const end = colon + 1 + length;
    const meta = JSON.parse(entry.toString('utf8', colon + 1, end)) as EntryMeta;
    return { flags, meta, at: end };
  }
}

interface Split {
  flags: number;
  meta?: EntryMeta;
  at: number;
}

function hasContent(meta: EntryMeta): boolean {
  return (
    meta.f !== undefined ||
    meta.d !== undefined ||
    (meta.tags !== undefined && Object.keys(meta.tags).length > 0)
  );
}
