// What a request is cached under, and whether it may share the cache at all. The default key is
// the method, the path and the query string with its parameters sorted (`?b=2&a=1` and `?a=1&b=2`
// share an entry); HEAD shares GET's entry (same response, without the body). The `vary` headers'
// values and the user's id (with `perUser`) are added to it.
import { createHash } from 'node:crypto';
import { CacheKeyResolutionError } from '../errors/cache-key-resolution.error.js';
import type { CacheableRequest } from './cache-response-options.js';
import type { CacheResponsePlan } from './cache-response-plan.js';

/** Keys longer than this keep a readable start and a hash of the whole. */
const MAX_READABLE_KEY = 400;

export function requestKey(
  plan: CacheResponsePlan,
  request: CacheableRequest,
  user: string | undefined,
): string {
  let key = plan.key ? customKey(plan, request) : defaultKey(request);
  for (const name of plan.vary) key += `|${name}=${headerValue(request, name)}`;
  if (user !== undefined) key += `|user=${user}`;
  if (key.length <= MAX_READABLE_KEY) return key;
  return `${key.slice(0, 200)}#${createHash('sha256').update(key).digest('base64url')}`;
}

function defaultKey(request: CacheableRequest): string {
  const url = request.originalUrl ?? request.url;
  const mark = url.indexOf('?');
  if (mark < 0) return `response:GET:${url}`;
  const query = new URLSearchParams(url.slice(mark + 1));
  query.sort();
  return `response:GET:${url.slice(0, mark)}?${query.toString()}`;
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

function headerValue(request: CacheableRequest, name: string): string {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

/** True when the request carries `Authorization` or a cookie `sessionCookies` names. */
export function carriesCredentials(
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
