// Wraps the handlers Nest hands the HTTP adapter's get/post/... (RouterMethodFactory), from just
// before route registration until done, keeping name, fields and metadata (Fastify reads them).
// Not Nest's public API: if no route came through by onModuleInit, the app fails naming Nest's
// version (test/module/route-wrapping.spec.ts holds the same assumptions).

import { createRequire } from 'node:module';
import { METHOD_METADATA } from '@nestjs/common/constants.js';
import type { DiscoveryService } from '@nestjs/core';
import { RedisCacheError } from '../errors/errors.js';
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
 * Wrappers apply first innermost. The returned function (called at onModuleInit) restores the
 * adapter and throws `E_NEST_INCOMPATIBLE` when controllers declare routes but none came through.
 */
export function wrapRoutes(
  adapter: object,
  wrappers: RouteWrapper[],
  discovery: DiscoveryService,
): () => void {
  const target = adapter as Record<string, unknown>;
  const originals = new Map<string, unknown>();
  let registered = 0;
  for (const method of ROUTE_METHODS) {
    const register = target[method];
    if (typeof register !== 'function') continue;
    originals.set(method, Object.hasOwn(target, method) ? register : undefined);
    target[method] = function (this: unknown, ...args: unknown[]) {
      const last = args.length - 1;
      if (typeof args[last] === 'function') {
        args[last] = wrapRoute(args[last] as RouteHandler);
        registered++;
      }
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
    if (registered === 0 && declaresRoutes(discovery))
      throw new RedisCacheError('E_NEST_INCOMPATIBLE', incompatibleNest(adapter));
  };
}

function declaresRoutes(discovery: DiscoveryService): boolean {
  return discovery.getControllers().some(({ metatype }) => {
    let prototype: unknown = (metatype as { prototype?: unknown } | null)?.prototype;
    for (
      ;
      prototype && prototype !== Object.prototype;
      prototype = Object.getPrototypeOf(prototype)
    )
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const member = Object.getOwnPropertyDescriptor(prototype, name)?.value as unknown;
        if (typeof member === 'function' && Reflect.hasMetadata(METHOD_METADATA, member))
          return true;
      }
    return false;
  });
}

function incompatibleNest(adapter: object): string {
  return (
    `nestjs-redis-cache: @nestjs/core ${nestCoreVersion()} registered none of the app's HTTP ` +
    `routes through the ${adapter.constructor.name}'s request-method functions (get, post, ...) ` +
    "between RedisCacheModule's configure() and onModuleInit(). This release of " +
    'nestjs-redis-cache wraps routes there (to tally requests for a global ' +
    'CacheStatsInterceptor and to serve @CacheResponse hits before the route runs), so it does ' +
    'not work with this Nest version: use an @nestjs/core version its peerDependencies accept, ' +
    'or a nestjs-redis-cache release that supports this one.'
  );
}

function nestCoreVersion(): string {
  try {
    const manifest = createRequire(import.meta.url)('@nestjs/core/package.json') as {
      version?: string;
    };
    return manifest.version ?? '(unknown version)';
  } catch {
    return '(unknown version)';
  }
}

function copyIdentity(route: RouteHandler, wrapper: RouteHandler): RouteHandler {
  Object.assign(wrapper, route);
  Object.defineProperty(wrapper, 'name', { configurable: true, value: route.name });
  for (const key of Reflect.getMetadataKeys(route) as unknown[])
    Reflect.defineMetadata(key, Reflect.getMetadata(key, route), wrapper);
  return wrapper;
}
