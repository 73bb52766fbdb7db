// The layout of one cache entry in Redis: a 2-byte header (format version, flags), optional
// metadata (the tag versions the entry was written under, freshness), then the serialized value,
// compressed when it is larger than the configured threshold.
//
//   '1' <flags> [<metaLength>:<meta JSON>] <payload>
//
// flags is '0' + a bit mask: 1 deflate, 2 brotli, 4 metadata present, 8 raw bytes (a RawBytes
// value: the payload is the bytes themselves, never passed to the serializer).
import { CacheEntryTooLargeError } from '../errors/entry-too-large.error.js';
import { CacheValueTooLargeError } from '../errors/value-too-large.error.js';
import {
  copyInSlices,
  LARGE_PAYLOAD_BYTES,
  writeUtf8InSlices,
  yieldToEventLoop,
} from './large-payload.js';
import {
  deserializerAt,
  isBuiltInSerializer,
  largeDeserializerAt,
  largeFormOf,
  plainJsonAt,
  revivesClassOf,
  type DeserializeAt,
  type DeserializeLargeAt,
  type LargeForm,
  type LargeFormOf,
  type PlainJsonAt,
} from './serializer.js';
import {
  brotliCompressChunks,
  brotliDecompressChunks,
  deflateChunks,
  inflateChunks,
  type Chunks,
} from './zlib-chunks.js';
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
/**
 * Free bytes kept in front of a large payload: assemble() writes the header and metadata there
 * instead of copying the payload into a new entry (more metadata than this falls back to a copy).
 */
const HEADROOM = 4096;

/** Largest serialized value stored by default (option limits.valueBytes): 64 MiB. */
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
  /** The payload's size before compression (its size when not compressed). */
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
  private readonly deserializeAt: DeserializeAt;
  private readonly deserializeLarge: DeserializeLargeAt;
  private readonly largeForm: LargeFormOf | undefined;
  private readonly plainJson: PlainJsonAt | undefined;
  /** Whether the serializer is a built-in one (which stores a class instance as a plain object). */
  readonly builtInSerializer: boolean;
  /** Whether a hit returns this class instance as one (its class is listed in `serializer.classes`). */
  readonly revivesClassOf = (value: object): boolean => revivesClassOf(this.serializer, value);
  /** Large payloads with HEADROOM free bytes in front, not assembled yet. */
  private readonly roomy = new WeakSet<Buffer>();

  constructor(
    private readonly serializer: CacheSerializer,
    private readonly compression: CompressionSettings | false,
    private readonly maxValueBytes = DEFAULT_MAX_VALUE_BYTES,
  ) {
    this.deserializeAt = deserializerAt(serializer);
    this.deserializeLarge = largeDeserializerAt(serializer);
    this.largeForm = largeFormOf(serializer);
    this.plainJson = plainJsonAt(serializer);
    this.builtInSerializer = isBuiltInSerializer(serializer);
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
      const large = this.largeForm?.(value);
      if (large) {
        payload = await this.writeLarge(key, large);
      } else {
        const serialized = this.serializer.serialize(value);
        payload =
          typeof serialized !== 'string'
            ? toBuffer(serialized)
            : serialized.length < LARGE_PAYLOAD_BYTES
              ? Buffer.from(serialized, 'utf8')
              : await this.writeLarge(key, { text: serialized });
      }
    }
    this.checkSize(key, payload.length);
    const plainBytes = payload.length;
    if (this.compression && payload.length > this.compression.threshold) {
      const brotli = this.compression.algorithm === 'brotli';
      const compressed = brotli
        ? await brotliCompressChunks(payload)
        : await deflateChunks(payload);
      payload = await this.joined(compressed, true);
      flags |= brotli ? FLAG_BROTLI : FLAG_DEFLATE;
    }
    // A large payload gets free bytes in front, so that assemble() need not copy it: assemble()
    // runs in the same turn of the event loop as the write to Redis, and ioredis copies it too.
    if (payload.length >= LARGE_PAYLOAD_BYTES && !this.roomy.has(payload))
      payload = await this.joined({ chunks: [payload], length: payload.length }, true);
    return { payload, flags, plainBytes };
  }

  /**
   * A large value's payload (an optional marker byte, then the text as UTF-8 or the bytes) behind
   * HEADROOM free bytes, written in slices; refused before it is copied if over the limit.
   */
  private async writeLarge(
    key: string,
    form: LargeForm | { marker?: undefined; text: string },
  ): Promise<Buffer> {
    // Whatever made the value (a serializer's JSON.stringify) had its turn of the event loop.
    await yieldToEventLoop();
    const front = form.marker === undefined ? 0 : 1;
    const size = front + ('text' in form ? Buffer.byteLength(form.text) : form.bytes.byteLength);
    this.checkSize(key, size);
    const backing = Buffer.allocUnsafe(HEADROOM + size);
    if (form.marker !== undefined) backing[HEADROOM] = form.marker;
    if ('text' in form) await writeUtf8InSlices(form.text, backing, HEADROOM + front);
    else await copyInSlices([form.bytes], backing, HEADROOM + front);
    return this.roomyPayload(backing);
  }

  /**
   * zlib's output chunks as one Buffer: as they come when small, else copied in slices, behind
   * HEADROOM free bytes when `roomy` (a payload to assemble).
   */
  private async joined({ chunks, length }: Chunks, roomy: boolean): Promise<Buffer> {
    if (length < LARGE_PAYLOAD_BYTES)
      return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
    await yieldToEventLoop();
    const from = roomy ? HEADROOM : 0;
    const target = Buffer.allocUnsafe(from + length);
    await copyInSlices(chunks, target, from);
    return roomy ? this.roomyPayload(target) : target;
  }

  private roomyPayload(backing: Buffer): Buffer {
    const payload = backing.subarray(HEADROOM);
    this.roomy.add(payload);
    return payload;
  }

  private checkSize(key: string, bytes: number): void {
    if (bytes > this.maxValueBytes)
      throw new CacheValueTooLargeError(key, bytes, this.maxValueBytes);
  }

  /** The bytes stored in Redis: header, metadata if any, payload. */
  assemble({ payload, flags }: Omit<EncodedValue, 'plainBytes'>, meta?: EntryMeta): Buffer {
    const metaJson = meta && hasContent(meta) ? JSON.stringify(meta) : undefined;
    let parts: Buffer[];
    if (metaJson === undefined) {
      parts = [Buffer.from([FORMAT_VERSION, ZERO + flags])];
    } else {
      const metaBytes = Buffer.from(metaJson, 'utf8');
      const header = Buffer.from(
        `1${String.fromCharCode(ZERO + (flags | FLAG_META))}${metaBytes.length}:`,
        'latin1',
      );
      parts = [header, metaBytes];
    }
    const front = parts.reduce((sum, part) => sum + part.length, 0);
    // The room in front of a large payload is used once: a second entry would overwrite the first's.
    if (front <= HEADROOM && this.roomy.delete(payload)) {
      const entry = Buffer.from(payload.buffer, payload.byteOffset - front, front + payload.length);
      let offset = 0;
      for (const part of parts) offset += part.copy(entry, offset);
      return entry;
    }
    return Buffer.concat([...parts, payload], front + payload.length);
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
   * The value and metadata of a stored entry. Synchronous unless the payload is compressed or
   * large (a plain hit costs no promise here; a large one is converted in steps); throws a TypeError for a corrupt entry and a
   * CacheEntryTooLargeError for one over maxValueBytes (never inflated past it). Always `await` it.
   */
  decode(entry: Buffer): DecodedEntry | Promise<DecodedEntry> {
    const { flags, meta, payloadStart } = this.split(entry);
    if (flags & FLAG_COMPRESSED) return this.decodeCompressed(entry, flags, meta, payloadStart);
    const size = entry.length - payloadStart;
    // Written by an instance with a larger limit, or from outside: never deserialized here.
    if (size > this.maxValueBytes) throw new CacheEntryTooLargeError(this.maxValueBytes);
    if (size >= LARGE_PAYLOAD_BYTES) return this.decodeLarge(entry, flags, meta, payloadStart);
    return { value: this.valueAt(entry, flags, payloadStart), meta };
  }

  /** decode() when it needs no asynchronous work (not compressed, not large); else undefined. */
  decodeNow(entry: Buffer): DecodedEntry | undefined {
    const { flags, meta, payloadStart } = this.split(entry);
    if (flags & FLAG_COMPRESSED || entry.length - payloadStart >= LARGE_PAYLOAD_BYTES)
      return undefined;
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
   * The value of an uncompressed entry whose payload is plain data (plain JSON, or a large string's
   * own text), read: a tree of plain objects, arrays and primitives only, which a JSON copy
   * reproduces exactly. undefined for any other entry (type tags, compression, a binary or custom
   * serializer).
   */
  plainJsonValue(entry: Buffer): { value: unknown } | undefined {
    if (!this.plainJson) return undefined;
    const { flags, payloadStart } = this.split(entry);
    if (flags & (FLAG_COMPRESSED | FLAG_RAW)) return undefined;
    return this.plainJson(entry, payloadStart);
  }

  private async decodeCompressed(
    entry: Buffer,
    flags: number,
    meta: EntryMeta | undefined,
    payloadStart: number,
  ): Promise<DecodedEntry> {
    const compressed = entry.subarray(payloadStart);
    // Inflating stops at the limit: a few compressed bytes can expand to gigabytes.
    const payload = await this.joined(
      flags & FLAG_DEFLATE
        ? await inflateChunks(compressed, this.maxValueBytes)
        : await brotliDecompressChunks(compressed, this.maxValueBytes),
      false,
    );
    if (flags & FLAG_RAW) return { value: new RawBytes(payload), meta };
    return {
      value:
        payload.length < LARGE_PAYLOAD_BYTES
          ? this.serializer.deserialize(payload)
          : await this.deserializeLarge(payload, 0),
      meta,
    };
  }

  /** A large uncompressed entry, deserialized in steps (large-payload.ts). */
  private async decodeLarge(
    entry: Buffer,
    flags: number,
    meta: EntryMeta | undefined,
    payloadStart: number,
  ): Promise<DecodedEntry> {
    if (flags & FLAG_RAW) return { value: new RawBytes(entry.subarray(payloadStart)), meta };
    return { value: await this.deserializeLarge(entry, payloadStart), meta };
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
