// Takes a global CacheStatsInterceptor out of Nest's interceptor pipeline for HTTP routes: just
// before Nest registers the routes it is hidden from the global interceptors, and each route handler
// is wrapped (lib/module/route-wrapping.ts) to open the request's tally where the adapter calls it.
// A route without other interceptors then skips the rxjs pipeline (defer, mergeAll, AsyncResource
// bindings, a ReplaySubject), most of what the interceptor cost per request. Non-HTTP handlers keep
// it: it is back among the global interceptors at onModuleInit, right after the HTTP routes.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';
import { CacheStatsInterceptor, type RouteHandler } from './cache-stats.interceptor.js';

@Injectable()
export class RouteTallies implements OnModuleInit {
  private hidden?: { interceptor: CacheStatsInterceptor; index: number };

  constructor(private readonly config: ApplicationConfig) {}

  /** How to wrap a route handler, or undefined when no global CacheStatsInterceptor can move there. */
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
