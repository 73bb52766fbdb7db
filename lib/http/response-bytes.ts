// A cached response as bytes: `<status> TAB <stored at ms> TAB <etag> TAB <type> LF <body>`. A hit
// finds one newline and views the body (never parsed nor copied). Nest's Express adapter JSONs any
// object, a Buffer too, so its reply() is wrapped once per app to send ResponseBytes as they are.
import { createHash } from 'node:crypto';
import type { HttpServer } from '@nestjs/common';
import { RawBytes } from '../codec/entry-codec.js';
import type { CacheableRequest } from './cache-response-options.js';
import type { CacheResponsePlan } from './cache-response-plan.js';

/** A finished response to send as is. */
export class ResponseBytes {
  constructor(
    readonly status: number,
    /** Names and values in turn: `['ETag', '"…"', 'Vary', 'accept-language', 'Content-Length', '12']`. */
    readonly headers: readonly string[],
    /** Empty for a 304. A HEAD response gets its Content-Length, no body. */
    readonly body: Buffer,
  ) {}
}

const CONTENT_LENGTH = 'Content-Length';
/** The body of a 304, and of a handler that returned nothing. */
export const EMPTY = Buffer.alloc(0);

const WRAPPED = Symbol.for('nestjs-redis-cache:response-bytes');

interface WrappableAdapter {
  reply(response: unknown, body: unknown, statusCode?: number): unknown;
  [WRAPPED]?: true;
}

/**
 * Makes `adapter.reply()` send ResponseBytes as they are (once per adapter instance; other bodies
 * go to the original reply untouched). False when there is no HTTP adapter to wrap.
 */
export function sendResponseBytesThrough(adapter: HttpServer | undefined): boolean {
  const target = adapter as unknown as WrappableAdapter | undefined;
  if (!target || typeof target.reply !== 'function') return false;
  if (target[WRAPPED]) return true;
  const reply = target.reply;
  target.reply = function (this: unknown, response, body, statusCode) {
    return body instanceof ResponseBytes
      ? writeResponseBytes(response, body)
      : reply.call(this, response, body, statusCode);
  };
  target[WRAPPED] = true;
  return true;
}

interface FastifyLikeReply {
  raw: unknown;
  code(status: number): unknown;
  header(name: string, value: string | number): unknown;
  send(body?: Buffer): unknown;
}

interface NodeLikeResponse {
  writeHead(status: number, headers: string[]): unknown;
  end(body?: Buffer): unknown;
}

/** Writes the response on an Express/Node response or a Fastify reply. */
export function writeResponseBytes(response: unknown, bytes: ResponseBytes): unknown {
  const noBody = bytes.status === 304 || bytes.status === 204;
  const headers = bytes.headers;
  if (isFastifyReply(response)) {
    response.code(bytes.status);
    // Fastify sets Content-Length itself, and leaves the body out of HEAD responses.
    for (let i = 0; i < headers.length; i += 2)
      if (headers[i] !== CONTENT_LENGTH) response.header(headers[i], headers[i + 1]);
    return noBody ? response.send() : response.send(bytes.body);
  }
  const res = response as NodeLikeResponse;
  // Headers set before (X-Cache, X-Powered-By) are kept: writeHead merges them.
  res.writeHead(bytes.status, headers as string[]);
  // Node leaves the body out of a HEAD response and keeps the Content-Length.
  return noBody ? res.end() : res.end(bytes.body);
}

function isFastifyReply(response: unknown): response is FastifyLikeReply {
  const reply = response as Partial<FastifyLikeReply>;
  return typeof reply.code === 'function' && typeof reply.raw === 'object' && reply.raw !== null;
}

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
export function readStoredResponse(stored: RawBytes & { [READ]?: StoredResponse | null }) {
  if (stored[READ] !== undefined) return stored[READ] ?? undefined;
  const bytes = stored.bytes;
  const end = bytes.indexOf(0x0a);
  const [status, storedAt, etag, contentType] = bytes.toString('latin1', 0, end).split('\t');
  const response: StoredResponse = {
    status: Number(status),
    storedAt: Number(storedAt),
    etag,
    contentType: contentType || undefined,
    body: bytes.subarray(end + 1),
  };
  const valid =
    end >= 0 && Number.isInteger(response.status) && Number.isFinite(response.storedAt) && !!etag;
  stored[READ] = valid ? response : null;
  return valid ? response : undefined;
}

/**
 * The response a stored entry makes for this request (a 304 when If-None-Match matches); a hit,
 * read at `hitAt` (epoch ms), says its Age.
 */
export function replyWith(
  plan: CacheResponsePlan,
  request: CacheableRequest,
  stored: StoredResponse,
  hitAt?: number,
): ResponseBytes {
  const headers = ['ETag', stored.etag];
  if (plan.varyHeader) headers.push('Vary', plan.varyHeader);
  if (plan.cacheControl) headers.push('Cache-Control', plan.cacheControl);
  if (hitAt !== undefined)
    headers.push('Age', String(Math.max(0, Math.floor((hitAt - stored.storedAt) / 1000))));
  if (matchesEtag(request.headers['if-none-match'], stored.etag))
    return new ResponseBytes(304, headers, EMPTY);
  if (stored.contentType) headers.push('Content-Type', stored.contentType);
  headers.push(CONTENT_LENGTH, String(stored.body.length));
  return new ResponseBytes(stored.status, headers, stored.body);
}

/** If-None-Match against a strong ETag, with the weak comparison RFC 9110 asks for here. */
function matchesEtag(header: string | string[] | undefined, etag: string): boolean {
  if (!header) return false;
  const list = Array.isArray(header) ? header.join(',') : header;
  if (list.trim() === '*') return true;
  for (const candidate of list.split(',')) {
    const tag = candidate.trim();
    if (tag === etag || (tag.startsWith('W/') && tag.slice(2) === etag)) return true;
  }
  return false;
}
