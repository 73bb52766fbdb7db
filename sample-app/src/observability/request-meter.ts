// Counts the shop's requests and the time they take (from their arrival to their response), in
// total and per route, leaving out the dashboard's and the metrics' own routes: the requests per
// second and the database time per request the dashboard compares with the cache on and off. Each
// request runs in a scope of its own (route-scope.ts), named after its route by RouteNamer, so the
// queries it sends are charged to that route.
//
// A middleware and a guard, not an interceptor: one global interceptor puts every route back into
// Nest's rxjs interceptor pipeline (defer, mergeAll, a ReplaySubject per request), which the
// library's CacheStatsInterceptor moved out of the routes because it was most of its cost.
import { Injectable } from '@nestjs/common';
import { emptyTotals, routeScope, type RequestScope, type RouteTotals } from './route-scope.js';

const OWN_ROUTES = /^\/(dashboard|metrics|cache\/stats)(\/|$|\?)/;

interface MeteredRequest {
  /** The path as sent (`url` is relative to where Express mounted the middleware). */
  originalUrl?: string;
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

  /** The middleware, applied to every route (AppModule): opens the request's scope. */
  readonly middleware = (
    request: MeteredRequest,
    response: MeteredResponse,
    next: () => void,
  ): void => {
    if (OWN_ROUTES.test(request.originalUrl ?? '')) return next();
    const scope: RequestScope = { route: undefined, started: performance.now() };
    response.once('close', () => this.finish(scope));
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
  route(name: string): RouteTotals {
    let totals = this.byRoute.get(name);
    if (totals === undefined) this.byRoute.set(name, (totals = emptyTotals()));
    return totals;
  }

  /** A request that reached no shop handler (an unknown path) is not counted, as before. */
  private finish(scope: RequestScope): void {
    const route = scope.route;
    if (route === undefined) return;
    const ms = performance.now() - scope.started;
    this.count++;
    this.busyMs += ms;
    route.requests++;
    route.busyMs += ms;
  }
}
