// Takes CacheStatsInterceptor out of Nest's interceptor pipeline for HTTP routes when it is
// registered globally (APP_INTERCEPTOR or useGlobalInterceptors): just before Nest registers the
// routes, it is hidden from the global interceptors, and each route handler is wrapped (by
// RedisCacheModule, lib/module/route-wrapping.ts) to run in a request tally opened where the HTTP
// adapter calls it. A route without any other interceptor then runs without the rxjs pipeline
// Nest builds for interceptors (defer, mergeAll, AsyncResource bindings, a ReplaySubject), which
// was most of what the interceptor cost per request.
//
// The tally is named after the route handler, which Nest names `Controller.method` before handing
// it to the adapter. Non-HTTP handlers (gateways, microservices, resolvers) keep the interceptor:
// it is back among the global interceptors at onModuleInit, which Nest calls right after it
// registered the HTTP routes.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';
import { CacheStatsInterceptor, type RouteHandler } from './cache-stats.interceptor.js';

@Injectable()
export class RouteTallies implements OnModuleInit {
  /** The interceptor hidden from the global list while the routes are registered, and where it was. */
  private hidden?: { interceptor: CacheStatsInterceptor; index: number };

  constructor(private readonly config: ApplicationConfig) {}

  /**
   * Called before Nest registers the routes (RedisCacheModule.configure): how to wrap a route
   * handler, or undefined when no global CacheStatsInterceptor can move to the routes.
   */
  prepare(): ((route: RouteHandler) => RouteHandler) | undefined {
    const globals = this.config.getGlobalInterceptors();
    const index = globals.findIndex(
      (interceptor) =>
        interceptor instanceof CacheStatsInterceptor && interceptor.talliesAtRoutes(),
    );
    if (index < 0) return undefined;
    const interceptor = globals[index] as CacheStatsInterceptor;
    globals.splice(index, 1);
    this.hidden = { interceptor, index };
    return (route) => interceptor.tallyRoute(route, handlerName(route.name));
  }

  /** Runs right after Nest registered the HTTP routes: other handlers keep the interceptor. */
  onModuleInit(): void {
    if (!this.hidden) return;
    const globals = this.config.getGlobalInterceptors();
    if (!globals.includes(this.hidden.interceptor))
      globals.splice(Math.min(this.hidden.index, globals.length), 0, this.hidden.interceptor);
    this.hidden = undefined;
  }
}

/** `ProductsController.findOne` (how Nest names a route handler) as `ProductsController#findOne`. */
function handlerName(routeName: string): string {
  const dot = routeName.lastIndexOf('.');
  return dot < 0 ? routeName : `${routeName.slice(0, dot)}#${routeName.slice(dot + 1)}`;
}
