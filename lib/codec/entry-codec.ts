// The layout of one cache entry in Redis: a 2-byte header (format version, flags), optional
// metadata (the tag versions the entry was written under, freshness), then the serialized value,
// compressed when it is larger than the configured threshold.
//
//   '1' <flags> [<metaLength>:<meta JSON>] <payload>
//
// flags is '0' + a bit mask: 1 deflate, 2 brotli, 4 metadata present, 8 raw bytes (a RawBytes
// value: the payload is the bytes themselves, never passed to the serializer).
import { promisify } from 'node:util';
import {
  brotliCompress,
  brotliDecompress,
  constants as zlibConstants,
  deflate,
  inflate,
} from 'node:zlib';
import { CacheEntryTooLargeError } from '../errors/entry-too-large.error.js';
import { CacheValueTooLargeError } from '../errors/value-too-large.error.js';
import {
  deserializerAt,
  plainJsonAt,
  SERIALIZERS,
  type DeserializeAt,
  type PlainJsonAt,
} from './serializer.js';
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

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);
const brotliCompressAsync = promisify(brotliCompress);
const brotliDecompressAsync = promisify(brotliDecompress);

/** Largest serialized value stored by default (option maxValueBytes): 64 MiB. */
export const DEFAULT_MAX_VALUE_BYTES = 64 * 1024 * 1024;

/**
 * What an entry carries besides its value. Short field names: entries written with grace or
 * early recomputation carry ~30 bytes more; plain entries carry nothing.
 */
export interface EntryMeta {
  /** Tag name → the tag's version when the entry was written. */
  tags?: Record<string, string>;
  /** Fresh until (epoch ms); after it the entry is stale, kept only for its grace period. */
  f?: number;
  /** How long the factory took (ms): XFetch's delta. */
  d?: number;
}

/**
 * A value cached as the bytes it holds: stored and read back without the serializer (no parse, no
 * copy on a read; the bytes of a hit are a view of the entry read, never to be modified).
 */
export class RawBytes {
  constructor(readonly bytes: Buffer) {}
}

export interface EncodedValue {
  payload: Buffer;
  flags: number;
}

export interface DecodedEntry {
  value: unknown;
  meta?: EntryMeta;
}

export class EntryCodec {
  private readonly deserializeAt: DeserializeAt;
  private readonly plainJson: PlainJsonAt | undefined;
  /** Whether the serializer is a built-in one (which stores a class instance as a plain object). */
  readonly builtInSerializer: boolean;

  constructor(
    private readonly serializer: CacheSerializer,
    private readonly compression: CompressionSettings | false,
    private readonly maxValueBytes = DEFAULT_MAX_VALUE_BYTES,
  ) {
    this.deserializeAt = deserializerAt(serializer);
    this.plainJson = plainJsonAt(serializer);
    this.builtInSerializer = Object.values(SERIALIZERS).includes(serializer);
  }

  /**
   * Serializes (and compresses) a value; throws before anything is sent if it cannot be stored, a
   * CacheValueTooLargeError above maxValueBytes (a binary value before it is even copied).
   */
  async encodeValue(value: unknown, key = ''): Promise<EncodedValue> {
    let payload: Buffer;
    let flags = 0;
    if (value instanceof RawBytes) {
      payload = value.bytes;
      flags = FLAG_RAW;
    } else {
      if (ArrayBuffer.isView(value)) this.checkSize(key, value.byteLength);
      const serialized = this.serializer.serialize(value);
      payload =
        typeof serialized === 'string' ? Buffer.from(serialized, 'utf8') : toBuffer(serialized);
    }
    this.checkSize(key, payload.length);
    if (this.compression && payload.length > this.compression.threshold) {
      if (this.compression.algorithm === 'brotli') {
        payload = await brotliCompressAsync(payload, {
          params: {
            [zlibConstants.BROTLI_PARAM_QUALITY]: 4,
            [zlibConstants.BROTLI_PARAM_SIZE_HINT]: payload.length,
          },
        });
        flags |= FLAG_BROTLI;
      } else {
        payload = await deflateAsync(payload);
        flags |= FLAG_DEFLATE;
      }
    }
    return { payload, flags };
  }

  private checkSize(key: string, bytes: number): void {
    if (bytes > this.maxValueBytes)
      throw new CacheValueTooLargeError(key, bytes, this.maxValueBytes);
  }

  /** The bytes stored in Redis: header, metadata if any, payload. */
  assemble({ payload, flags }: EncodedValue, meta?: EntryMeta): Buffer {
    const metaJson = meta && hasContent(meta) ? JSON.stringify(meta) : undefined;
    if (metaJson === undefined) {
      const header = Buffer.from([FORMAT_VERSION, ZERO + flags]);
      return Buffer.concat([header, payload], 2 + payload.length);
    }
    const metaBytes = Buffer.from(metaJson, 'utf8');
    const header = Buffer.from(
      `1${String.fromCharCode(ZERO + (flags | FLAG_META))}${metaBytes.length}:`,
      'latin1',
    );
    return Buffer.concat([header, metaBytes, payload]);
  }

  /** The same entry (payload untouched, still compressed) with other metadata. */
  withMeta(entry: Buffer, meta: EntryMeta): Buffer {
    const { flags, payloadStart } = this.split(entry);
    return this.assemble(
      { payload: entry.subarray(payloadStart), flags: flags & ~FLAG_META },
      meta,
    );
  }

  /** Reads only the metadata, without decoding the value (used to check tags before decoding). */
  readMeta(entry: Buffer): EntryMeta | undefined {
    return this.split(entry).meta;
  }

  /**
   * The value and metadata of a stored entry. Synchronous unless the payload is compressed (a
   * plain hit costs no promise here); throws a TypeError for a corrupt entry and a
   * CacheEntryTooLargeError for one over maxValueBytes (never inflated past it). Always `await` it.
   */
  decode(entry: Buffer): DecodedEntry | Promise<DecodedEntry> {
    const { flags, meta, payloadStart } = this.split(entry);
    if (flags & FLAG_COMPRESSED) return this.decodeCompressed(entry, flags, meta, payloadStart);
    // Written by an instance with a larger limit, or from outside: never deserialized here.
    if (entry.length - payloadStart > this.maxValueBytes)
      throw new CacheEntryTooLargeError(this.maxValueBytes);
    return { value: this.valueAt(entry, flags, payloadStart), meta };
  }

  /** decode() when it needs no asynchronous work (not compressed); undefined otherwise. */
  decodeNow(entry: Buffer): DecodedEntry | undefined {
    const { flags, meta, payloadStart } = this.split(entry);
    if (flags & FLAG_COMPRESSED) return undefined;
    return { value: this.valueAt(entry, flags, payloadStart), meta };
  }

  /**
   * The RawBytes of an uncompressed raw-bytes entry (a cached HTTP response), else undefined:
   * a view of the entry, which L1 keeps and hands to every hit (the library never changes it).
   */
  rawBytesValue(entry: Buffer): { value: RawBytes } | undefined {
    const { flags, payloadStart } = this.split(entry);
    if (!(flags & FLAG_RAW) || flags & FLAG_COMPRESSED) return undefined;
    return { value: new RawBytes(entry.subarray(payloadStart)) };
  }

  /**
   * The value of an uncompressed entry whose payload is plain JSON, parsed: a tree of plain
   * objects, arrays and primitives only, which a JSON copy reproduces exactly. undefined for any
   * other entry (type tags, compression, a binary or custom serializer).
   */
  plainJsonValue(entry: Buffer): { value: unknown } | undefined {
    if (!this.plainJson) return undefined;
    const { flags, payloadStart } = this.split(entry);
    if (flags & (FLAG_COMPRESSED | FLAG_RAW)) return undefined;
    const text = this.plainJson(entry, payloadStart);
    return text === undefined ? undefined : { value: JSON.parse(text) };
  }

  private async decodeCompressed(
    entry: Buffer,
    flags: number,
    meta: EntryMeta | undefined,
    payloadStart: number,
  ): Promise<DecodedEntry> {
    const compressed = entry.subarray(payloadStart);
    // Inflating stops at the limit: a few compressed bytes can expand to gigabytes.
    const bounded = { maxOutputLength: this.maxValueBytes };
    let payload: Buffer;
    try {
      payload =
        flags & FLAG_DEFLATE
          ? await inflateAsync(compressed, bounded)
          : await brotliDecompressAsync(compressed, bounded);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
        throw new CacheEntryTooLargeError(this.maxValueBytes);
      throw error;
    }
    return {
      value: flags & FLAG_RAW ? new RawBytes(payload) : this.serializer.deserialize(payload),
      meta,
    };
  }

  private valueAt(entry: Buffer, flags: number, payloadStart: number): unknown {
    return flags & FLAG_RAW
      ? new RawBytes(entry.subarray(payloadStart))
      : this.deserializeAt(entry, payloadStart);
  }

  private split(entry: Buffer): { flags: number; meta?: EntryMeta; payloadStart: number } {
    if (entry.length < 2 || entry[0] !== FORMAT_VERSION)
      throw new TypeError('unknown entry format');
    const flags = entry[1] - ZERO;
    if (flags < 0 || flags > 15) throw new TypeError('unknown entry flags');
    if (!(flags & FLAG_META)) return { flags, payloadStart: 2 };
    const colon = entry.indexOf(COLON, 2);
    const length = Number(entry.toString('latin1', 2, colon));
    if (colon < 0 || !Number.isInteger(length)) throw new TypeError('corrupt entry metadata');
    const metaEnd = colon + 1 + length;
    const meta = JSON.parse(entry.toString('utf8', colon + 1, metaEnd)) as EntryMeta;
    return { flags, meta, payloadStart: metaEnd };
  }
}

function hasContent(meta: EntryMeta): boolean {
  return (
    meta.f !== undefined ||
    meta.d !== undefined ||
    (meta.tags !== undefined && Object.keys(meta.tags).length > 0)
  );
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
