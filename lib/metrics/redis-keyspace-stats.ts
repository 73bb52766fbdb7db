// Redis's own view of cache efficiency: keyspace_hits and keyspace_misses from INFO stats (summed
// over the masters of a cluster). They cover every command on the server, not only this cache's.
import type { Cluster, Redis } from 'ioredis';
import type { RedisConnection } from '../redis/redis-connection.js';
import { replyCode } from '../redis/redis-error-kind.js';

/** Connections whose ACL refusal of INFO has been said (once each: stats are read often). */
const infoDeniedSaid = new WeakSet<RedisConnection>();

export interface RedisKeyspaceStats {
  keyspaceHits: number;
  keyspaceMisses: number;
}

async function readKeyspaceStats(
  client: Redis | Cluster,
  isCluster: boolean,
): Promise<RedisKeyspaceStats> {
  const nodes = isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  const infos = await Promise.all(nodes.map((node) => node.info('stats')));
  return infos.map(parseInfo).reduce(
    (sum, node) => ({
      keyspaceHits: sum.keyspaceHits + node.keyspaceHits,
      keyspaceMisses: sum.keyspaceMisses + node.keyspaceMisses,
    }),
    { keyspaceHits: 0, keyspaceMisses: 0 },
  );
}

/**
 * The keyspace counters, or undefined when Redis is unavailable or refuses INFO (some hosted
 * Redis services disable it). Not treated as an outage: the cache keeps using Redis.
 */
export async function keyspaceStatsIfAvailable(
  connection: RedisConnection,
): Promise<RedisKeyspaceStats | undefined> {
  if (!connection.health.usable()) return undefined;
  try {
    return await readKeyspaceStats(connection.client, connection.isCluster);
  } catch (error) {
    infoUnavailable(connection, 'stats', error);
    return undefined;
  }
}

/** Logs why INFO failed: an ACL refusal once per connection (INFO is read often), else at debug. */
export function infoUnavailable(
  connection: RedisConnection,
  section: string,
  error: unknown,
): void {
  const { logger } = connection;
  if (replyCode(error) !== 'NOPERM') {
    logger.debug(`INFO ${section} unavailable: ${(error as Error).message}`);
  } else if (!infoDeniedSaid.has(connection)) {
    infoDeniedSaid.add(connection);
    logger.log(
      'The Redis ACL does not allow INFO: stats() and metrics() have no Redis memory, evictions, keyspace hits and misses (grant +info to have them; see docs/operations.md, ACL).',
    );
  }
}

function parseInfo(info: string): RedisKeyspaceStats {
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { keyspaceHits: field('keyspace_hits'), keyspaceMisses: field('keyspace_misses') };
}
