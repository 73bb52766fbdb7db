// Takes a global CacheStatsInterceptor out of Nest's pipeline for HTTP routes: hidden while Nest
// registers them, each route wrapped (module/route-wrapping.ts) to open the tally instead; skipping
// the rxjs pipeline saves most of its cost. Back among the global interceptors at onModuleInit.
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
