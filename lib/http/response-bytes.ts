// Sending a cached response as bytes through Nest on Express and Fastify alike. Nest's Express
// adapter turns every object it is handed into JSON (a Buffer too), so the interceptor hands Nest a
// ResponseBytes instead, and the adapter's reply(), wrapped once per application, writes those as
// they are: same status, headers, Content-Length and body on both platforms. Going through Nest's
// reply (rather than writing the response inside the interceptor) keeps every outer interceptor
// in the chain, e.g. CacheStatsInterceptor setting X-Cache.
import type { HttpServer } from '@nestjs/common';

/** A finished response to send as is. */
export class ResponseBytes {
  constructor(
    readonly status: number,
    readonly headers: readonly (readonly [string, string])[],
    /** Sent as is; empty for a 304. A HEAD response gets its Content-Length, no body. */
    readonly body: Buffer,
  ) {}
}

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
  statusCode: number;
  setHeader(name: string, value: string | number): unknown;
  end(body?: Buffer): unknown;
}

function writeResponseBytes(response: unknown, bytes: ResponseBytes): unknown {
  const noBody = bytes.status === 304 || bytes.status === 204;
  if (isFastifyReply(response)) {
    response.code(bytes.status);
    for (const [name, value] of bytes.headers) response.header(name, value);
    // Fastify sets Content-Length itself, and leaves the body out of HEAD responses.
    return noBody ? response.send() : response.send(bytes.body);
  }
  const res = response as NodeLikeResponse;
  res.statusCode = bytes.status;
  for (const [name, value] of bytes.headers) res.setHeader(name, value);
  if (noBody) return res.end();
  res.setHeader('Content-Length', bytes.body.length);
  // Node leaves the body out of a HEAD response and keeps the Content-Length.
  return res.end(bytes.body);
}

function isFastifyReply(response: unknown): response is FastifyLikeReply {
  const reply = response as Partial<FastifyLikeReply>;
  return typeof reply.code === 'function' && typeof reply.raw === 'object' && reply.raw !== null;
}
