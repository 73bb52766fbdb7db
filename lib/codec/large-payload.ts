// Large payloads (up to limits.valueBytes, 64 MiB by default) copied and converted between text and
// UTF-8 bytes in slices, with the event loop free between slices: one 50 MB copy or conversion is
// 25-200 ms of blocking on a busy machine, a 4 MiB slice a few ms. Below LARGE_PAYLOAD_BYTES
// nothing here is used: small values keep their one-call, promise-free path.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** From this size on, a payload is converted in slices, with turns of the event loop between. */
export const LARGE_PAYLOAD_BYTES = 1024 * 1024;

/** Characters (or bytes) converted per slice. */
const SLICE = 4 * 1024 * 1024;

/** Lets the event loop run (timers, I/O, other requests) before the caller continues. */
export function yieldToEventLoop(): Promise<void> {
  return nextTurn();
}

/** Writes `text` as UTF-8 into `target` from byte `at` on, in slices. */
export async function writeUtf8InSlices(text: string, target: Buffer, at: number): Promise<void> {
  let offset = at;
  for (let start = 0; start < text.length;) {
    let end = Math.min(start + SLICE, text.length);
    // Never between the two halves of a surrogate pair: each half alone would be written as U+FFFD.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
    offset += target.write(text.slice(start, end), offset, 'utf8');
    start = end;
    if (start < text.length) await yieldToEventLoop();
  }
}

/** The UTF-8 text of `bytes` from `start` to the end, decoded in slices. */
export async function utf8TextInSlices(bytes: Buffer, start: number): Promise<string> {
  let text = '';
  for (let from = start; from < bytes.length;) {
    let to = Math.min(from + SLICE, bytes.length);
    // Never inside a character: back up to the first byte of the one the slice would cut.
    while (to < bytes.length && to > from && isContinuationByte(bytes[to])) to--;
    // Concatenation makes a rope: no copy here, one flattening wherever the text is read.
    text += bytes.toString('utf8', from, to);
    from = to;
    if (from < bytes.length) await yieldToEventLoop();
  }
  return text;
}

/** Copies `chunks` one after the other into `target` from byte `at` on, in slices. */
export async function copyInSlices(
  chunks: readonly Uint8Array[],
  target: Uint8Array,
  at: number,
): Promise<void> {
  let offset = at;
  let sinceYield = 0;
  for (const chunk of chunks) {
    for (let from = 0; from < chunk.length;) {
      if (sinceYield >= SLICE) {
        await yieldToEventLoop();
        sinceYield = 0;
      }
      const to = Math.min(from + SLICE - sinceYield, chunk.length);
      target.set(chunk.subarray(from, to), offset);
      offset += to - from;
      sinceYield += to - from;
      from = to;
    }
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isContinuationByte(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}
