// An entry's payload through zlib streams: the work runs on libuv's thread pool and the output is
// kept as the chunks zlib hands out, so that joining them can be done in slices (large-payload.ts)
// rather than in one 50 MB copy; decompression stops as soon as its output passes a limit.
import type { Transform } from 'node:stream';
import {
  createBrotliCompress,
  createBrotliDecompress,
  createDeflate,
  createInflate,
  constants as zlibConstants,
} from 'node:zlib';
import { CacheEntryTooLargeError } from '../errors/entry-too-large.error.js';

export interface Chunks {
  chunks: Buffer[];
  length: number;
}

export function deflateChunks(input: Buffer): Promise<Chunks> {
  return run(createDeflate(), input, Infinity);
}

export function brotliCompressChunks(input: Buffer): Promise<Chunks> {
  const params = {
    [zlibConstants.BROTLI_PARAM_QUALITY]: 4,
    [zlibConstants.BROTLI_PARAM_SIZE_HINT]: input.length,
  };
  return run(createBrotliCompress({ params }), input, Infinity);
}

/** Inflates `input`; rejects with a CacheEntryTooLargeError once the output passes `limit`. */
export function inflateChunks(input: Buffer, limit: number): Promise<Chunks> {
  return run(createInflate(), input, limit);
}

/** Decompresses brotli `input`; rejects with a CacheEntryTooLargeError past `limit`. */
export function brotliDecompressChunks(input: Buffer, limit: number): Promise<Chunks> {
  return run(createBrotliDecompress(), input, limit);
}

function run(engine: Transform, input: Buffer, limit: number): Promise<Chunks> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    engine.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        // Nothing more is inflated: a few compressed bytes may stand for gigabytes.
        engine.destroy();
        reject(new CacheEntryTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    engine.once('end', () => resolve({ chunks, length }));
    engine.once('error', reject);
    engine.end(input);
  });
}
