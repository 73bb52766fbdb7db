// Takes CacheStatsInterceptor out of Nest's interceptor pipeline for HTTP routes when it is
// registered globally (APP_INTERCEPTOR or useGlobalInterceptors): just before Nest registers the
// routes, the HTTP adapter's route methods (get, post, ...) are wrapped so each route handler runs
// in a request tally opened where the adapter calls it, and the interceptor is hidden from the
// global interceptors while the routes are built. A route without any other interceptor then
// runs without the rxjs pipeline Nest builds for interceptors (defer, mergeAll, AsyncResource
// bindings, a ReplaySubject), which is most of what the interceptor cost per request.
//
// Relies on two things Nest does (both checked by test/metrics): routes reach the adapter through
// its request-method functions (RouterMethodFactory), and each route handler is named
// `Controller.method` before it does. Non-HTTP handlers (gateways, microservices, resolvers) keep
// the interceptor: it is back among the global interceptors once the HTTP routes are registered
// (at onModuleInit, which Nest calls right after), and the adapter gets its own functions back.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import { CacheStatsInterceptor, type RouteHandler } from './cache-stats.interceptor.js';

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
] as const;

const WRAPPED = Symbol.for('nestjs-redis-cache:route-tallies');

type RouteAdapter = Record<string, unknown> & { [WRAPPED]?: true };

@Injectable()
export class RouteTallies implements OnModuleInit {
  /** The interceptor hidden from the global list while the routes are registered, and where it was. */
  private hidden?: { interceptor: CacheStatsInterceptor; index: number };
  /** The adapter's own route functions, put back once Nest's routes are registered. */
  private restore?: () => void;

  constructor(
    private readonly config: ApplicationConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** Called from RedisCacheModule.configure(): after the app's providers exist, before its routes. */
  prepare(): void {
    const globals = this.config.getGlobalInterceptors();
    const index = globals.findIndex(
      (interceptor) =>
        interceptor instanceof CacheStatsInterceptor && interceptor.talliesAtRoutes(),
    );
    if (index < 0) return;
    const adapter = this.adapterHost.httpAdapter as unknown as RouteAdapter | undefined;
    if (!adapter || adapter[WRAPPED]) return;
    const interceptor = globals[index] as CacheStatsInterceptor;
    const originals = new Map<string, unknown>();
    for (const method of ROUTE_METHODS) {
      const register = adapter[method];
      if (typeof register !== 'function') continue;
      originals.set(method, Object.hasOwn(adapter, method) ? register : undefined);
      adapter[method] = function (this: unknown, ...args: unknown[]) {
        const last = args.length - 1;
        if (typeof args[last] === 'function')
          args[last] = tallied(interceptor, args[last] as RouteHandler);
        return (register as (...a: unknown[]) => unknown).apply(this, args);
      };
    }
    adapter[WRAPPED] = true;
    this.restore = () => {
      for (const [method, own] of originals)
        if (own === undefined) delete adapter[method];
        else adapter[method] = own;
      delete adapter[WRAPPED];
    };
    globals.splice(index, 1);
    this.hidden = { interceptor, index };
  }

  /**
   * Runs right after Nest registered the HTTP routes: routes added later (by other libraries)
   * are left alone, and other handlers keep the interceptor.
   */
  onModuleInit(): void {
    this.restore?.();
    this.restore = undefined;
    if (!this.hidden) return;
    const globals = this.config.getGlobalInterceptors();
    if (!globals.includes(this.hidden.interceptor))
      globals.splice(Math.min(this.hidden.index, globals.length), 0, this.hidden.interceptor);
    this.hidden = undefined;
  }
}

/** The route handler in a tally named after it; keeps its name, own fields and metadata. */
function tallied(interceptor: CacheStatsInterceptor, handler: RouteHandler): RouteHandler {
  const wrapped = interceptor.tallyRoute(handler, handlerName(handler.name));
  Object.assign(wrapped, handler);
  Object.defineProperty(wrapped, 'name', { configurable: true, value: handler.name });
  for (const key of Reflect.getMetadataKeys(handler) as unknown[])
    Reflect.defineMetadata(key, Reflect.getMetadata(key, handler), wrapped);
  return wrapped;
}

/** `ProductsController.findOne` (how Nest names a route handler) as `ProductsController#findOne`. */
function handlerName(routeName: string): string {
  const dot = routeName.lastIndexOf('.');
  return dot < 0 ? routeName : `${routeName.slice(0, dot)}#${routeName.slice(dot + 1)}`;
}
