// DB_LATENCY_MS: a fixed delay added to every query, as a database across the network adds a round
// trip. It is spent before the result is handed back, while the query still holds its connection,
// so a bounded pool fills up as it would with a real network in between.
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

export class AddedLatency implements KyselyPlugin {
  constructor(private readonly ms: number) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    await new Promise((resolve) => setTimeout(resolve, this.ms));
    return args.result;
  }
}
