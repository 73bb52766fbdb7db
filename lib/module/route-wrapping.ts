// Wraps the route handlers Nest hands the HTTP adapter, for the library's work that belongs at the
// route rather than in Nest's interceptor pipeline (a global CacheStatsInterceptor's request
// tally, @CacheResponse hits served before the route runs). Routes reach the adapter through its
// request-method functions (get, post, ...: @nestjs/core's RouterMethodFactory), so those are
// wrapped on the adapter instance from just before Nest registers the routes until it has; routes
// other code adds later are left alone. Each wrapped handler keeps the name, own fields and
// metadata Nest and the adapter read from it (Fastify reads route config and schema there).

import type { RouteHandler } from '../http/cache-stats.interceptor.js';

export type RouteWrapper = (route: RouteHandler) => RouteHandler;

/** The adapter functions Nest registers routes with (@nestjs/core's REQUEST_METHOD_MAP). */
const ROUTE_METHODS = [
  'get',
  'post',
  'put',
  'delete',
  'patch',
  'all',
  'options',
  'head',
  'search',
  'propfind',
  'proppatch',
  'mkcol',
  'copy',
  'move',
  'lock',
  'unlock',
  'query',
];

/**
 * Applies the wrappers (the first innermost) to every route registered on the adapter until the
 * returned function is called, which gives the adapter its own functions back.
 */
export function wrapRoutes(adapter: object, wrappers: RouteWrapper[]): () => void {
  const target = adapter as Record<string, unknown>;
  const originals = new Map<string, unknown>();
  for (const method of ROUTE_METHODS) {
    const register = target[method];
    if (typeof register !== 'function') continue;
    originals.set(method, Object.hasOwn(target, method) ? register : undefined);
    target[method] = function (this: unknown, ...args: unknown[]) {
      const last = args.length - 1;
      if (typeof args[last] === 'function') args[last] = wrapRoute(args[last] as RouteHandler);
      return (register as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  const wrapRoute = (route: RouteHandler): RouteHandler => {
    let wrapped = route;
    for (const wrap of wrappers) {
      const next = wrap(wrapped);
      if (next !== wrapped) wrapped = copyIdentity(route, next);
    }
    return wrapped;
  };
  return () => {
    for (const [method, own] of originals)
      if (own === undefined) delete target[method];
      else target[method] = own;
  };
}

/** Gives the wrapper the route's name, own fields and metadata. */
function copyIdentity(route: RouteHandler, wrapper: RouteHandler): RouteHandler {
  Object.assign(wrapper, route);
  Object.defineProperty(wrapper, 'name', { configurable: true, value: route.name });
  for (const key of Reflect.getMetadataKeys(route) as unknown[])
    Reflect.defineMetadata(key, Reflect.getMetadata(key, route), wrapper);
  return wrapper;
}
