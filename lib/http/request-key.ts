// What a request is cached under, and whether it may share the cache at all: host, path and sorted
// query (or the route's `key`), `vary` headers, the user on `perUser` routes; HEAD shares GET's.
// Each part is `|<kind><length>:<value>`, so no value can pass for a separator or another part.
import { createHash } from 'node:crypto';
import { CacheKeyResolutionError } from '../errors/errors.js';
import { describeValue } from '../errors/describe-value.js';
import type { CacheableRequest } from './cache-response-options.js';
import type { CacheResponsePlan } from './cache-response-plan.js';

const PREFIX = 'response:GET';
/** The user part of a request without a user, on a `perUser` route: no user id is written so. */
const ANONYMOUS = '|anon';

export function requestKey(
  plan: CacheResponsePlan,
  request: CacheableRequest,
  user: string | undefined,
): string {
  let key = PREFIX;
  const host = plan.perHost ? hostOf(request) : undefined;
  if (plan.perHost) key += host === undefined ? '|h-' : part('h', host);
  if (plan.key) key += part('k', customKey(plan, request));
  else {
    const url = request.originalUrl ?? request.url;
    const mark = url.indexOf('?');
    key +=
      mark < 0
        ? part('p', url)
        : part('p', url.slice(0, mark)) + part('q', sortedQuery(url.slice(mark + 1)));
  }
  for (const name of plan.vary) key += varyPart(name, request.headers[name]);
  if (plan.perUser) key += user === undefined ? ANONYMOUS : part('u', user);
  return finishKey(PREFIX, key);
}

/** admit()'s answer for a request that must not use the cache. */
export const BYPASS = Symbol('bypass');

/** The user id the request is cached for (undefined: shared), or BYPASS. */
export function admit(
  plan: CacheResponsePlan,
  request: CacheableRequest,
): string | undefined | typeof BYPASS {
  if (request.method !== 'GET' && request.method !== 'HEAD') return BYPASS;
  if (plan.condition && !plan.condition(request)) return BYPASS;
  const user = perUserId(plan, request);
  if (user === undefined && carriesCredentials(request, plan.sessionCookies)) return BYPASS;
  return user;
}

// undefined when `perUser` names no user (undefined, null, ''); anything but a string, number or
// bigint is refused: it would put users together (`[object Object]`).
export function perUserId(plan: CacheResponsePlan, request: CacheableRequest): string | undefined {
  const id: unknown = plan.perUser?.(request);
  if (id === undefined || id === null || id === '') return undefined;
  if (typeof id === 'string') return id;
  if ((typeof id === 'number' && Number.isFinite(id)) || typeof id === 'bigint') return String(id);
  throw new CacheKeyResolutionError(
    plan.label,
    `the perUser function of @CacheResponse returned ${describeValue(id)}; it must return the user's id (a string) or undefined`,
  );
}

// `request.host` (what Nest's host routing reads), case kept, without the port: one site answers
// on every port it listens on.
function hostOf(request: CacheableRequest): string | undefined {
  const header = request.headers.host;
  // Without X-Forwarded-Host, Express's and Fastify's `host` is the Host header: read it directly.
  if (typeof header === 'string' && request.headers['x-forwarded-host'] === undefined)
    return withoutPort(header);
  const host = request.host;
  if (typeof host === 'string') return withoutPort(host);
  return typeof header === 'string' ? withoutPort(header) : undefined;
}

/** `shop.test:8443` → `shop.test`, `[::1]:3000` → `[::1]`; anything else as it is. */
function withoutPort(host: string): string {
  const colon = host.lastIndexOf(':');
  if (colon < 0 || (host.indexOf(':') !== colon && !host.startsWith('['))) return host;
  for (let i = colon + 1; i < host.length; i++) {
    const code = host.charCodeAt(i);
    if (code < 48 || code > 57) return host;
  }
  return host.slice(0, colon);
}

// Parameters sorted by name as received, not decoded (`%7C` and `|` stay apart, as the handler may
// tell them apart); parameters of the same name keep their order.
function sortedQuery(query: string): string {
  return query.indexOf('&') < 0 ? query : query.split('&').sort(byName).join('&');
}

function byName(a: string, b: string): number {
  const first = a.split('=', 1)[0];
  const second = b.split('=', 1)[0];
  return first < second ? -1 : first > second ? 1 : 0;
}

function customKey(plan: CacheResponsePlan, request: CacheableRequest): string {
  const key = plan.key!(request);
  if (typeof key !== 'string' || key.length === 0)
    throw new CacheKeyResolutionError(
      plan.label,
      `the key function of @CacheResponse returned ${typeof key === 'string' ? 'an empty string' : typeof key}; it must return a non-empty string`,
    );
  return key;
}

/** `|v<name>` then `-` (no such header), `=<value>`, or `*<count>` and each value (a list). */
function varyPart(name: string, value: string | string[] | undefined): string {
  const head = part('v', name);
  if (value === undefined) return `${head}-`;
  if (typeof value === 'string') return head + field('=', value);
  return `${head}*${value.length}${value.map((one) => field('=', one)).join('')}`;
}

/** True when the request carries `Authorization` or a cookie `sessionCookies` names. */
function carriesCredentials(
  request: CacheableRequest,
  sessionCookies: readonly (string | RegExp)[],
): boolean {
  if (request.headers.authorization) return true;
  const cookie = request.headers.cookie;
  if (!cookie) return false;
  for (const pair of (Array.isArray(cookie) ? cookie.join(';') : cookie).split(';')) {
    const eq = pair.indexOf('=');
    const name = (eq < 0 ? pair : pair.slice(0, eq)).trim();
    if (name && sessionCookies.some((p) => (typeof p === 'string' ? p === name : p.test(name))))
      return true;
  }
  return false;
}

// A lone UTF-16 surrogate has no UTF-8 form (Redis would get U+FFFD, the same for all of them), so
// a value holding any is written as its JSON string, which escapes lone ones.
const SURROGATE = /[\uD800-\uDFFF]/;

/** `<mark><length>:<value>`, or `<mark><length>!<JSON of value>` when it holds a surrogate. */
function field(mark: string, value: string): string {
  if (!SURROGATE.test(value)) return `${mark}${value.length}:${value}`;
  const json = JSON.stringify(value);
  return `${mark}${json.length}!${json}`;
}

function part(kind: string, value: string): string {
  return field(`|${kind}`, value);
}

/**
 * The key as written (`<prefix>|...`), or, when longer than 400 characters,
 * `<prefix>#<SHA-256 of the whole, base64url>` followed by its first 200 characters after the
 * prefix. Written-out keys have `|` right after the prefix, so the two forms never meet.
 */
function finishKey(prefix: string, key: string): string {
  if (key.length <= 400) return key;
  const digest = createHash('sha256').update(key).digest('base64url');
  return `${prefix}#${digest}${key.slice(prefix.length, prefix.length + 200)}`;
}
