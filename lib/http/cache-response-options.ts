// The options of @CacheResponse (checked into a plan by cache-response-plan.ts when the decorator is applied).
import type { ResilienceOptions } from '../stampede/resilience-options.js';
import type { L1CallOption } from '../tiers/l1-options.js';
import type { Ttl } from '../time/ttl.js';

/** The request as both platforms show it: Express's `Request` or Fastify's `FastifyRequest`. */
export interface CacheableRequest {
  method: string;
  /** Path and query string as received (Express: `originalUrl`/`url`; Fastify: `url`). */
  url: string;
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed query string. */
  query?: Record<string, unknown>;
  /** The route parameters. */
  params?: Record<string, string>;
  [field: string]: unknown;
}

/** Options of `@CacheResponse`. */
export interface CacheResponseOptions<Req = CacheableRequest> extends ResilienceOptions {
  /** The named cache (RedisCacheModule.forFeature) the responses are stored in. Default: the default cache. */
  cache?: string;
  /** How long a stored response is served: seconds or a duration string. Default: the module's `ttl`. */
  ttl?: Ttl;
  /**
   * The cache key of a request, in place of the path and the sorted query string. The host, the
   * `vary` headers and the `perUser` id are still added to it.
   */
  key?: string | ((request: Req) => string);
  /**
   * Whether the host name (`request.host`: the Host header, or X-Forwarded-Host behind a trusted
   * proxy; without the port) is part of the key. Default true: each host has its own entries, as tenants
   * told apart by subdomain need. `false` shares one entry among all hosts: only for responses
   * that do not depend on the host.
   */
  perHost?: boolean;
  /** Tags of the stored response, for `@CacheEvict({ tags })` / `invalidateTags()`: a list, or a function of the request. */
  tags?: string[] | ((request: Req) => string[]);
  /** Request headers whose value selects a variant (e.g. `['accept-language']`); also sent as `Vary`. */
  vary?: string[];
  /**
   * Caches one response per user: returns the user's id for a request (e.g. from a verified
   * token), or undefined (also null or '': no user). Without it, a request carrying
   * `Authorization` or a session cookie is never answered from, nor stored in, the cache. With
   * it, such a request is cached under its user's id, and bypasses the cache when the function
   * names no user; requests without credentials and without a user share entries of their own,
   * which no user's request reads.
   */
  perUser?: (request: Req) => string | number | undefined | null;
  /** Cookie names (exact strings or patterns) that identify a user's session. Default: names that read like a session (docs/response-cache.md). */
  sessionCookies?: (string | RegExp)[];
  /** Sends `Cache-Control: max-age=<seconds>` (`private, max-age=` with `perUser`), so browsers and CDNs may keep it. Default: no header. */
  maxAge?: Ttl;
  /** Bodies larger than this many bytes are sent but not stored. Default 1 MiB. */
  maxBytes?: number;
  /** In-process L1 for these responses: `true`, `false` or an L1 TTL. Default: on when the module configures `l1`. */
  l1?: L1CallOption;
  /**
   * Decides per request whether the cache is used at all: truthy serves from and stores in the
   * cache, falsy runs the handler as if it were not decorated (a runtime switch, a header, a
   * feature flag). Called for GET and HEAD requests before anything else. Default: always.
   */
  condition?: (request: Req) => boolean;
}

/** Cookie names taken as a session unless `sessionCookies` says otherwise (case-insensitive patterns). */
export const DEFAULT_SESSION_COOKIES: readonly RegExp[] = [
  /sess/i,
  /sid$/i,
  /auth/i,
  /token/i,
  /jwt/i,
  /^remember/i,
];
