// Counts the queries the shop's database answers, by kind, and the time they take (from the
// moment a query is built, so waiting for a pooled connection counts), through a Kysely plugin:
// the numbers the dashboard plots and the load script compares with the cache on and off.
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryId,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { emptyTotals, routeScope, type RouteTotals } from '../observability/route-scope.js';

export type QueryKind = 'select' | 'insert' | 'update' | 'delete' | 'other';

const KINDS: Record<string, QueryKind> = {
  SelectQueryNode: 'select',
  InsertQueryNode: 'insert',
  UpdateQueryNode: 'update',
  DeleteQueryNode: 'delete',
};

export class QueryCounter implements KyselyPlugin {
  private readonly counts: Record<QueryKind, number> = {
    select: 0,
    insert: 0,
    update: 0,
    delete: 0,
    other: 0,
  };
  /** Queries built and not yet answered; builders derived from one another share a query id. */
  private readonly pending = new WeakMap<QueryId, { kind: QueryKind; started: number }[]>();
  private busyMs = 0;
  /** Queries outside any request: the write-behind worker's inserts. */
  readonly background: RouteTotals = emptyTotals();

  /**
   * Called when a query is built, also for a subquery built on its own and embedded in another:
   * only remembers what it is and when it started. A query counts when its result arrives.
   */
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const query = { kind: KINDS[args.node.kind] ?? 'other', started: performance.now() };
    const pending = this.pending.get(args.queryId);
    if (pending) pending.push(query);
    else this.pending.set(args.queryId, [query]);
    return args.node;
  }

  /** Called once per executed query, with its result. */
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    // The last one built is the one executed (subqueries are built before their query).
    const query = this.pending.get(args.queryId)?.pop();
    if (query) {
      const ms = performance.now() - query.started;
      this.counts[query.kind]++;
      this.busyMs += ms;
      // Charged to the request that sent it, its route's when it ends (see route-scope.ts).
      const charges = routeScope.getStore() ?? this.background;
      charges.queries++;
      charges.databaseMs += ms;
    }
    return args.result;
  }

  get total(): number {
    return Object.values(this.counts).reduce((sum, n) => sum + n, 0);
  }

  /** Milliseconds spent in queries that returned, summed over concurrent queries. */
  get totalMs(): number {
    return this.busyMs;
  }

  byKind(): Record<QueryKind, number> {
    return { ...this.counts };
  }
}
