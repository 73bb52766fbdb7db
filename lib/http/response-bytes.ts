// Sending a cached response as bytes on Express and Fastify alike, either from Nest's reply (the
// interceptor's path: Nest's Express adapter turns every object it is handed into JSON, a Buffer
// too, so the interceptor hands Nest a ResponseBytes instead, and the adapter's reply(), wrapped
// once per application, writes those as they are), or straight from the route (a hit served
// before Nest runs it, cache-response.routes.ts). Same status, headers, Content-Length and body
// on both platforms; on Node's response, one writeHead and one end.
import type { HttpServer } from '@nestjs/common';

/** A finished response to send as is. */
export class ResponseBytes {
  constructor(
    readonly status: number,
    /**
     * Names and values in turn: `['ETag', '"…"', 'Vary', 'accept-language']`; ends with
     * Content-Length when there is a body.
     */
    readonly headers: readonly string[],
    /** Sent as is; empty for a 304. A HEAD response gets its Content-Length, no body. */
    readonly body: Buffer,
  ) {}
}

export const CONTENT_LENGTH = 'Content-Length';

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
