// What both ways of serving @CacheResponse share: whether a request may use the cache, its key and
// lookup options, the response an entry makes (ETag/304, Vary, Cache-Control, Age); and a fresh hit
// served straight from the route (cache-response.routes.ts).
import { RawBytes } from '../codec/entry-codec.js';
import type { CacheEngine } from '../engine/cache-engine.js';
import { ABSENT } from '../lookup/cache-lookup.js';
import type { LookupContext, ResolvedGetOrSet } from '../lookup/lookup-request.js';
import { checkTags, resolveGetOrSetOptions } from '../service/get-or-set-options.js';
import type { CacheableRequest } from './cache-response-options.js';
import type { CacheResponsePlan } from './cache-response-plan.js';
import { carriesCredentials, perUserId, requestKey } from './request-key.js';
import {
  CONTENT_LENGTH,
  readStoredResponse,
  ResponseBytes,
  writeResponseBytes,
  type StoredResponse,
} from './response-bytes.js';

/** admit()'s answer for a request that must not use the cache. */
export const BYPASS = Symbol('bypass');

const EMPTY = Buffer.alloc(0);

/** One per engine: the route wrapper and the interceptor share what the route found absent. */
const hitsByEngine = new WeakMap<CacheEngine, CacheResponseHits>();

export function responseHitsOf(engine: CacheEngine): CacheResponseHits {
  let hits = hitsByEngine.get(engine);
  if (!hits) hitsByEngine.set(engine, (hits = new CacheResponseHits(engine)));
  return hits;
}

export class CacheResponseHits {
  private readonly resolved = new WeakMap<CacheResponsePlan, ResolvedGetOrSet>();
  /** Requests the route found no entry for: their interceptor's lookup need not read it again. */
  private readonly absentAtRoute = new WeakSet<object>();

  constructor(private readonly engine: CacheEngine) {}

  /** The user id the request is cached for (undefined: shared), or BYPASS. */
  admit(plan: CacheResponsePlan, request: CacheableRequest): string | undefined | typeof BYPASS {
    if (request.method !== 'GET' && request.method !== 'HEAD') return BYPASS;
    if (plan.condition && !plan.condition(request)) return BYPASS;
    const user = perUserId(plan, request);
    if (user === undefined && carriesCredentials(request, plan.sessionCookies)) return BYPASS;
    return user;
  }

  /**
   * Sends a fresh stored response from the route: false (nothing written, nothing counted) when the
   * route must run, errors included (the route then meets them again and reports them).
   */
  async serveAtRoute(
    plan: CacheResponsePlan,
    request: CacheableRequest,
    response: unknown,
  ): Promise<boolean> {
    try {
      const user = this.admit(plan, request);
      if (user === BYPASS) return false;
      const key = requestKey(plan, request, user);
      const value = await this.engine.lookup.peek(
        key,
        this.lookupOptions(plan, request),
        plan.context,
      );
      if (value === ABSENT) this.absentAtRoute.add(request);
      const stored = value instanceof RawBytes ? readStoredResponse(value) : undefined;
      if (!stored) return false;
      writeResponseBytes(response, this.reply(plan, request, stored, true));
      return true;
    } catch {
      return false;
    }
  }

  /** The lookup context of the plan for this request (told when the route found no entry). */
  contextFor(plan: CacheResponsePlan, request: CacheableRequest): LookupContext {
    return this.absentAtRoute.has(request) ? { ...plan.context, seenAbsent: true } : plan.context;
  }

  /** The response a stored entry makes for this request (a 304 when If-None-Match matches). */
  reply(
    plan: CacheResponsePlan,
    request: CacheableRequest,
    stored: StoredResponse,
    hit: boolean,
  ): ResponseBytes {
    const headers = ['ETag', stored.etag];
    if (plan.varyHeader) headers.push('Vary', plan.varyHeader);
    if (plan.cacheControl) headers.push('Cache-Control', plan.cacheControl);
    const age = Math.floor((this.engine.clock.now() - stored.storedAt) / 1000);
    if (hit) headers.push('Age', String(Math.max(0, age)));
    if (matchesEtag(request.headers['if-none-match'], stored.etag))
      return new ResponseBytes(304, headers, EMPTY);
    if (stored.contentType) headers.push('Content-Type', stored.contentType);
    headers.push(CONTENT_LENGTH, String(stored.body.length));
    return new ResponseBytes(stored.status, headers, stored.body);
  }

  /** getOrSet's options of the plan (resolved once), with the tags of this request. */
  lookupOptions(plan: CacheResponsePlan, request: CacheableRequest): ResolvedGetOrSet {
    const { keys, options } = this.engine;
    let base = this.resolved.get(plan);
    if (!base) {
      base = resolveGetOrSetOptions(
        plan.lookup,
        options.ttlMs,
        keys,
        `@CacheResponse(${plan.label})`,
      );
      this.resolved.set(plan, base);
    }
    if (!plan.tags) return base;
    const tags = checkTags(plan.tags(request), keys, `@CacheResponse(${plan.label}).tags`);
    return tags.length === 0 ? base : { ...base, tags: [...base.tags, ...tags] };
  }
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
