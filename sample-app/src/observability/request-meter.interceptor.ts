// Counts the shop's requests and the time they take (from the handler's start to its answer), in
// total and per route, leaving out the dashboard's and the metrics' own routes: the requests per
// second and the database time per request the dashboard compares with the cache on and off. Each
// request runs in its route's scope, so the queries it sends are charged to that route.
import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { finalize, type Observable } from 'rxjs';
import { emptyTotals, routeScope, type RouteTotals } from './route-scope.js';

const OWN_ROUTES = /^\/(dashboard|metrics|cache\/stats)(\/|$|\?)/;

const handle = (next: CallHandler): Observable<unknown> => next.handle();

@Injectable()
export class RequestMeter implements NestInterceptor {
  private count = 0;
  private busyMs = 0;
  /** Per route, named as the library's stats name handlers (`ProductsController#findOne`). */
  private readonly byRoute = new Map<string, RouteTotals>();
  private readonly names = new WeakMap<object, string>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const url = context.switchToHttp().getRequest<{ url?: string }>().url ?? '';
    if (OWN_ROUTES.test(url)) return next.handle();
    const route = this.totalsOf(context);
    const started = performance.now();
    // next.handle() binds the handler to the async context it is called in: the route's scope.
    return routeScope.run(route, handle, next).pipe(
      finalize(() => {
        const ms = performance.now() - started;
        this.count++;
        this.busyMs += ms;
        route.requests++;
        route.busyMs += ms;
      }),
    );
  }

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

  private totalsOf(context: ExecutionContext): RouteTotals {
    const handler = context.getHandler();
    let name = this.names.get(handler);
    if (name === undefined) {
      name = `${context.getClass().name}#${handler.name}`;
      this.names.set(handler, name);
    }
    let totals = this.byRoute.get(name);
    if (totals === undefined) this.byRoute.set(name, (totals = emptyTotals()));
    return totals;
  }
}
