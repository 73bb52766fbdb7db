// Counts the shop's requests and the time they take (from their arrival to their response), in
// total and per route, leaving out the dashboard's and the metrics' own routes: the requests per
// second and the database time per request the dashboard compares with the cache on and off. Each
// request runs in a scope of its own (route-scope.ts) that gathers the queries it sends; when it
// ends they go to its route, named from what Express matched (RouteNames).
//
// A middleware alone, no interceptor or guard: one global interceptor puts every route back into
// Nest's rxjs interceptor pipeline (defer, mergeAll, a ReplaySubject per request), which the
// library's CacheStatsInterceptor moved out of the routes because it was most of its cost, and a
// global guard keeps `@CacheResponse` hits off the library's fast path (route-names.ts).
import { Injectable } from '@nestjs/common';
import { RouteNames } from './route-names.js';
import { emptyTotals, routeScope, type RequestScope, type RouteTotals } from './route-scope.js';

const OWN_ROUTES = /^\/(dashboard|metrics|cache\/stats)(\/|$|\?)/;

interface MeteredRequest {
  method?: string;
  /** The path as sent (`url` is relative to where Express mounted the middleware). */
  originalUrl?: string;
  /** The route Express matched, set once it routes the request. */
  route?: { path?: unknown };
}

interface MeteredResponse {
  once(event: 'close', listener: () => void): unknown;
}

@Injectable()
export class RequestMeter {
  private count = 0;
  private busyMs = 0;
  /** Per route, named as the library's stats name handlers (`ProductsController#findOne`). */
  private readonly byRoute = new Map<string, RouteTotals>();

  constructor(private readonly names: RouteNames) {}

  /** The middleware, applied to every route (AppModule): opens the request's scope. */
  readonly middleware = (
    request: MeteredRequest,
    response: MeteredResponse,
    next: () => void,
  ): void => {
    if (OWN_ROUTES.test(request.originalUrl ?? '')) return next();
    const scope: RequestScope = { started: performance.now(), queries: 0, databaseMs: 0 };
    response.once('close', () => this.finish(request, scope));
    // Everything the route does from here on, its queries included, runs in this scope.
    routeScope.run(scope, next);
  };

  get requests(): number {
    return this.count;
  }

  /** Milliseconds spent serving the counted requests, summed. */
  get totalMs(): number {
    return this.busyMs;
  }

  /** What each route cost so far (a copy). */
  routes(): Record<string, RouteTotals> {
    return Object.fromEntries([...this.byRoute].map(([name, totals]) => [name, { ...totals }]));
  }

  /** The totals of the route named `name`, created on its first request. */
  private route(name: string): RouteTotals {
    let totals = this.byRoute.get(name);
    if (totals === undefined) this.byRoute.set(name, (totals = emptyTotals()));
    return totals;
  }

  /** A request that reached no shop handler (an unknown path) is not counted. */
  private finish(request: MeteredRequest, scope: RequestScope): void {
    const path = request.route?.path;
    const name =
      typeof path === 'string' ? this.names.nameOf(request.method ?? '', path) : undefined;
    if (name === undefined) return;
    const ms = performance.now() - scope.started;
    this.count++;
    this.busyMs += ms;
    const route = this.route(name);
    route.requests++;
    route.busyMs += ms;
    route.queries += scope.queries;
    route.databaseMs += scope.databaseMs;
  }
}
