// How a whole HTTP response is kept in the cache: one line of head (status, when it was stored,
// its ETag, its content type) and then the body exactly as it is sent. Stored as raw bytes (no
// serializer), a hit is read back by finding one newline: the body is a view of the bytes read,
// never parsed nor copied. What is read is kept on the RawBytes, so an L1 hit (which hands out the
// same RawBytes each time) reads nothing at all.
//
//   <status> TAB <stored at, epoch ms> TAB <etag> TAB <content type> LF <body bytes>
import { createHash } from 'node:crypto';
import { RawBytes } from '../codec/entry-codec.js';

const LF = 0x0a;

export interface StoredResponse {
  status: number;
  /** Epoch ms when the response was produced (the `Age` of a hit counts from it). */
  storedAt: number;
  /** Strong ETag of the body, quoted. */
  etag: string;
  contentType: string | undefined;
  body: Buffer;
}

/** What readStoredResponse keeps on a RawBytes it read (null: not a stored response). */
const READ = Symbol('nestjs-redis-cache:stored-response');

type ReadBytes = RawBytes & { [READ]?: StoredResponse | null };

/** A strong ETag of the body: its SHA-1, base64url, quoted (computed once, when stored). */
export function strongEtag(body: Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

export function storeResponse(response: StoredResponse): RawBytes {
  const head = Buffer.from(
    `${response.status}\t${response.storedAt}\t${response.etag}\t${response.contentType ?? ''}\n`,
    'latin1',
  );
  return new RawBytes(Buffer.concat([head, response.body], head.length + response.body.length));
}

/** The response in stored bytes, or undefined if they are not one (never written by this code). */
export function readStoredResponse(stored: RawBytes): StoredResponse | undefined {
  const kept = (stored as ReadBytes)[READ];
  if (kept !== undefined) return kept ?? undefined;
  const response = parse(stored.bytes);
  (stored as ReadBytes)[READ] = response ?? null;
  return response;
}

function parse(bytes: Buffer): StoredResponse | undefined {
  const end = bytes.indexOf(LF);
  if (end < 0) return undefined;
  const [status, storedAt, etag, contentType] = bytes.toString('latin1', 0, end).split('\t');
  const response: StoredResponse = {
    status: Number(status),
    storedAt: Number(storedAt),
    etag,
    contentType: contentType || undefined,
    body: bytes.subarray(end + 1),
  };
  if (!Number.isInteger(response.status) || !Number.isFinite(response.storedAt) || !etag)
    return undefined;
  return response;
}
