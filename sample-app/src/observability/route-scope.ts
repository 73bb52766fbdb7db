// Which request a piece of work belongs to: the request meter opens a scope per request (an
// AsyncLocalStorage, as the library's stats do), the query counter charges each query to the scope
// it runs in, and when the request ends the meter adds them to its route (named by RouteNames), so
// the dashboard and `npm run load` can say where the database queries per request come from. Work
// outside any request (the write-behind worker) has no scope.
import { AsyncLocalStorage } from 'node:async_hooks';

/** What one route (`ProductsController#findOne`) cost since the start. */
export interface RouteTotals {
  requests: number;
  /** Milliseconds spent serving its requests, summed. */
  busyMs: number;
  queries: number;
  /** Milliseconds its queries took (pool waits included), summed. */
  databaseMs: number;
}

/** The name queries run outside any request are charged to. */
export const BACKGROUND_ROUTE = '(background: write-behind worker)';

/** What queries cost: a route's totals or one request's, the query counter adds to either. */
type QueryCharges = Pick<RouteTotals, 'queries' | 'databaseMs'>;

/** One request: when it arrived and its queries so far (its route's once it ends). */
export interface RequestScope extends QueryCharges {
  started: number;
}

export const routeScope = new AsyncLocalStorage<RequestScope>();

export function emptyTotals(): RouteTotals {
  return { requests: 0, busyMs: 0, queries: 0, databaseMs: 0 };
}
