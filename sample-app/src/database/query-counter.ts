// Counts the queries the shop sends to its database, by kind, through a Kysely plugin: the number
// the dashboard plots per second and the load script compares with the cache on and off.
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

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

  /** Called once per executed query (Kysely compiles a query each time it runs it). */
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.counts[KINDS[args.node.kind] ?? 'other']++;
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }

  get total(): number {
    return Object.values(this.counts).reduce((sum, n) => sum + n, 0);
  }

  byKind(): Record<QueryKind, number> {
    return { ...this.counts };
  }
}
