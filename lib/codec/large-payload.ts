// Large payloads copied, compressed and converted in slices, the event loop free between them: one
// 50 MB copy or conversion blocks 25-200 ms on a busy machine, a 4 MiB slice a few ms. Small values
// (below LARGE_PAYLOAD_BYTES) keep their one-call, promise-free path.
import type { Transform } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CacheEntryTooLargeError } from '../errors/errors.js';

export { yieldToEventLoop };

export const LARGE_PAYLOAD_BYTES = 1024 * 1024;
const SLICE = 4 * 1024 * 1024;
/** Free bytes kept in front of a large payload for the entry's header (more falls back to a copy). */
const HEADROOM = 4096;
const roomy = new WeakSet<Buffer>();

// withHeader() writes into the free bytes in front instead of copying the payload: it runs in the
// same turn as the write to Redis, which copies too.
export function roomyBuffer(size: number): Buffer {
  const payload = Buffer.allocUnsafe(HEADROOM + size).subarray(HEADROOM);
  roomy.add(payload);
  return payload;
}

/** `header` then `payload` as one Buffer: in a roomy payload's free bytes, else a copy. */
export function withHeader(header: Buffer, payload: Buffer): Buffer {
  // The room is used once: a second entry would overwrite the first's header.
  if (header.length > HEADROOM || !roomy.delete(payload))
    return Buffer.concat([header, payload], header.length + payload.length);
  const entry = Buffer.from(
    payload.buffer,
    payload.byteOffset - header.length,
    header.length + payload.length,
  );
  header.copy(entry);
  return entry;
}

/** `chunks` as one Buffer: as they are when small or roomy, else copied in slices (roomy if `room`). */
export async function joined(chunks: Buffer[], length: number, room: boolean): Promise<Buffer> {
  if (length < LARGE_PAYLOAD_BYTES || (room && chunks.length === 1 && roomy.has(chunks[0])))
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
  await yieldToEventLoop();
  const target = room ? roomyBuffer(length) : Buffer.allocUnsafe(length);
  await copyInSlices(chunks, target, 0);
  return target;
}

// zlib works on libuv's thread pool; rejects as soon as the output passes `limit`.
export function throughZlib(
  stream: Transform,
  input: Buffer,
  limit: number,
  room: boolean,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    stream.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        // Nothing more is inflated: a few compressed bytes may stand for gigabytes.
        stream.destroy();
        reject(new CacheEntryTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    stream.once('end', () => resolve(joined(chunks, length, room)));
    stream.once('error', reject);
    stream.end(input);
  });
}

// Where a slice of `text` ends: never inside a surrogate pair (each half alone becomes U+FFFD).
function sliceEnd(text: string, start: number): number {
  const end = Math.min(start + SLICE, text.length);
  const last = text.charCodeAt(end - 1);
  return end < text.length && last >= 0xd800 && last <= 0xdbff ? end - 1 : end;
}

/** Buffer.byteLength(text) counted in slices: 50 MB of text take 40-80 ms in one call. */
export async function utf8LengthInSlices(text: string): Promise<number> {
  let length = 0;
  for (let start = 0; start < text.length;) {
    const end = sliceEnd(text, start);
    length += Buffer.byteLength(text.slice(start, end), 'utf8');
    start = end;
    if (start < text.length) await yieldToEventLoop();
  }
  return length;
}

export async function writeUtf8InSlices(text: string, target: Buffer, at: number): Promise<void> {
  for (let start = 0; start < text.length;) {
    const end = sliceEnd(text, start);
    at += target.write(text.slice(start, end), at, 'utf8');
    start = end;
    if (start < text.length) await yieldToEventLoop();
  }
}

export async function utf8TextInSlices(bytes: Buffer, start: number): Promise<string> {
  let text = '';
  for (let from = start; from < bytes.length;) {
    let to = Math.min(from + SLICE, bytes.length);
    // Never inside a character: back up to the first byte of the one the slice would cut.
    while (to < bytes.length && to > from && (bytes[to] & 0xc0) === 0x80) to--;
    // Concatenation makes a rope: no copy here, one flattening wherever the text is read.
    text += bytes.toString('utf8', from, to);
    from = to;
    if (from < bytes.length) await yieldToEventLoop();
  }
  return text;
}

/** JSON.parse of the text from byte `start`, decoded in slices and parsed on a turn of its own. */
export async function jsonInSlices(bytes: Buffer, start: number): Promise<unknown> {
  const text = await utf8TextInSlices(bytes, start);
  await yieldToEventLoop();
  return JSON.parse(text) as unknown;
}

export async function copyInSlices(
  chunks: readonly Uint8Array[],
  target: Uint8Array,
  at: number,
): Promise<void> {
  let sinceYield = 0;
  for (const chunk of chunks) {
    for (let from = 0; from < chunk.length;) {
      if (sinceYield >= SLICE) {
        await yieldToEventLoop();
        sinceYield = 0;
      }
      const to = Math.min(from + SLICE - sinceYield, chunk.length);
      target.set(chunk.subarray(from, to), at);
      at += to - from;
      sinceYield += to - from;
      from = to;
    }
  }
}
