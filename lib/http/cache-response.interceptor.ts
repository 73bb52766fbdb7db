// Serves @CacheResponse handlers from the cache: a miss runs the handler once (getOrSet) and stores
// status, type, ETag and body; a hit sends them back, from the route when it may
// (cache-response.routes.ts). Nothing one user's is stored: credentials bypass (unless `perUser`);
// Set-Cookie, private/no-store, non-2xx, streams, big bodies: uncached.
import { Readable } from 'node:stream';
import {
  Inject,
  Injectable,
  StreamableFile,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { HttpAdapterHost } from '@nestjs/core';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { RawBytes } from '../codec/entry-codec.js';
import { CACHE_ENGINES } from '../engine/cache-engine.constants.js';
import type { CacheEngine } from '../engine/cache-engine.js';
import type { CacheEngines } from '../engine/cache-engines.js';
import { ABSENT } from '../lookup/cache-lookup.js';
import type { CacheableRequest } from './cache-response-options.js';
import { lookupOptions, responsePlanOf, type CacheResponsePlan } from './cache-response-plan.js';
import { admit, BYPASS, requestKey } from './request-key.js';
import {
  EMPTY,
  readStoredResponse,
  replyWith,
  sendResponseBytesThrough,
  storeResponse,
  strongEtag,
  writeResponseBytes,
} from './response-bytes.js';

/** The response as both platforms show it before it is sent (Express `Response`, Fastify `FastifyReply`). */
interface PendingResponse {
  statusCode: number;
  getHeader(name: string): unknown;
  /** The response went out already: `headersSent` on Express, `sent` on Fastify. */
  headersSent?: boolean;
  sent?: boolean;
}

/** A handler result that is sent as it is and not stored (returned by the factory, never cached). */
class Uncached {
  constructor(readonly value: unknown) {}
}

/** Requests the route found no entry for, by engine: their interceptor's lookup need not read it again. */
const absentAtRoute = new WeakMap<object, CacheEngine>();

@Injectable()
export class CacheResponseInterceptor implements NestInterceptor {
  /** Plans by handler (null: not decorated), so a request reads no metadata. */
  private readonly plans = new WeakMap<object, CacheResponsePlan | null>();

  /** @internal Nest builds it (@UseInterceptors) with the app's engines. */
  constructor(
    @Inject(CACHE_ENGINES) private readonly engines: CacheEngines,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const plan = this.planOf(context.getHandler());
    if (!plan) return next.handle();
    // The handler's first two arguments (what switchToHttp() returns, without its closures).
    const request = context.getArgByIndex<CacheableRequest>(0);
    const engine = engineOf(this.engines, plan);
    const user = admit(plan, request);
    if (user === BYPASS) return next.handle();
    if (!sendResponseBytesThrough(this.adapterHost.httpAdapter)) return next.handle();
    const response = context.getArgByIndex<PendingResponse>(1);
    // Started here, in the request's async context (CacheStatsInterceptor's tally), not later
    // where Nest subscribes.
    return from(this.serve(engine, plan, request, response, user, next, context));
  }

  /** @internal Whether it answers from these caches (see cache-response.routes.ts). */
  answersWith(engines: CacheEngines): boolean {
    return this.engines === engines;
  }

  private planOf(handler: object): CacheResponsePlan | undefined {
    let plan = this.plans.get(handler);
    if (plan === undefined) this.plans.set(handler, (plan = responsePlanOf(handler) ?? null));
    return plan ?? undefined;
  }

  private async serve(
    engine: CacheEngine,
    plan: CacheResponsePlan,
    request: CacheableRequest,
    response: PendingResponse,
    user: string | undefined,
    next: CallHandler,
    context: ExecutionContext,
  ): Promise<unknown> {
    const key = requestKey(plan, request, user);
    let produced: RawBytes | Uncached | undefined;
    const value = await engine.lookup.getOrSet(
      key,
      async () => (produced = await this.produce(engine, plan, response, next, context)),
      lookupOptions(plan, engine, request),
      absentAtRoute.get(request) === engine ? { ...plan.context, seenAbsent: true } : plan.context,
    );
    const own = value === produced;
    if (value instanceof RawBytes) {
      const stored = readStoredResponse(value);
      if (stored) return replyWith(plan, request, stored, own ? undefined : engine.clock.now());
    }
    if (own && value instanceof Uncached) return value.value;
    // Another request's response that was not stored (it set a cookie...), shared by single
    // flight: this request gets its own.
    return lastValueFrom(next.handle(), { defaultValue: undefined });
  }

  /** Runs the handler; its response as stored bytes, or Uncached when it must not be stored. */
  private async produce(
    engine: CacheEngine,
    plan: CacheResponsePlan,
    response: PendingResponse,
    next: CallHandler,
    context: ExecutionContext,
  ): Promise<RawBytes | Uncached> {
    const value: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
    // A refresh in the background (grace, early recomputation) may end after a stale response went
    // out on this request: the status and cookies are then that response's, not the handler's.
    const refresh = response.headersSent === true || response.sent === true;
    // The status Nest gives the handler's responses: its @HttpCode(), else 200.
    const status = refresh
      ? ((Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number) ?? 200)
      : response.statusCode;
    if (
      status < 200 ||
      status >= 300 ||
      status === 206 ||
      isStream(value) ||
      (!refresh && response.getHeader('set-cookie') !== undefined) ||
      /\b(private|no-store)\b/i.test(String(response.getHeader('cache-control') ?? ''))
    )
      return new Uncached(value);
    const { body, contentType } = toBytes(value, response.getHeader('content-type'));
    if (body.length > plan.maxBytes) return new Uncached(value);
    return storeResponse({
      status,
      storedAt: engine.clock.now(),
      etag: strongEtag(body),
      contentType,
      body,
    });
  }
}

/**
 * Sends a fresh stored response from the route: false (nothing written, nothing counted) when the
 * route must run, errors included (the route then meets them again and reports them).
 */
export async function serveAtRoute(
  engine: CacheEngine,
  plan: CacheResponsePlan,
  request: CacheableRequest,
  response: unknown,
): Promise<boolean> {
  try {
    const user = admit(plan, request);
    if (user === BYPASS) return false;
    const key = requestKey(plan, request, user);
    const value = await engine.lookup.peek(key, lookupOptions(plan, engine, request), plan.context);
    if (value === ABSENT) absentAtRoute.set(request, engine);
    const stored = value instanceof RawBytes ? readStoredResponse(value) : undefined;
    if (!stored) return false;
    writeResponseBytes(response, replyWith(plan, request, stored, engine.clock.now()));
    return true;
  } catch {
    return false;
  }
}

/** The engine of the cache the plan names (checked at bootstrap by cache-response.routes.ts). */
export function engineOf(engines: CacheEngines, plan: CacheResponsePlan): CacheEngine {
  return engines.forDecorator(plan.cache, '@CacheResponse', plan.label);
}

/** The body as Nest would send it (JSON for objects), and its content type unless one is set. */
function toBytes(value: unknown, preset: unknown): { body: Buffer; contentType?: string } {
  const given = typeof preset === 'string' ? preset : undefined;
  if (value === undefined || value === null) return { body: EMPTY, contentType: given };
  if (value instanceof Uint8Array) {
    const body = Buffer.isBuffer(value)
      ? value
      : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return { body, contentType: given ?? 'application/octet-stream' };
  }
  if (typeof value === 'string')
    return { body: Buffer.from(value, 'utf8'), contentType: given ?? 'text/html; charset=utf-8' };
  const json = JSON.stringify(value);
  return {
    body: json === undefined ? EMPTY : Buffer.from(json, 'utf8'),
    contentType: given ?? 'application/json; charset=utf-8',
  };
}

function isStream(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return (
    value instanceof StreamableFile ||
    value instanceof Readable ||
    (typeof ReadableStream !== 'undefined' && value instanceof ReadableStream) ||
    (typeof Response !== 'undefined' && value instanceof Response) ||
    Symbol.asyncIterator in value
  );
}
