// What Redis says of itself in INFO, per master on a Cluster: memory and evictions (read at the
// stats flush, never per lookup) and keyspace hits/misses (per metrics() call; server-wide). A
// refused INFO (ACL, hosted Redis) is said once and is not an outage: the cache keeps using Redis.
import type { Cluster, Redis } from 'ioredis';
import type { RedisConnection } from '../redis/redis-connection.js';
import { replyCode } from '../redis/redis-error-kind.js';

/** Connections whose ACL refusal of INFO has been said (once each: stats are read often). */
const infoDeniedSaid = new WeakSet<RedisConnection>();

export interface RedisMemoryNode {
  /** "host:port" of the master on a Cluster; undefined for a single server. */
  node?: string;
  usedMemory: number;
  /** 0: no limit. */
  maxmemory: number;
  maxmemoryPolicy: string;
  evictedKeys: number;
  expiredKeys: number;
}

export interface RedisMemoryStats {
  /** When this was read (ms since the epoch): at the last stats flush. */
  readAt: number;
  /** Sums over the masters (maxmemory: 0 when any master has no limit). */
  usedMemory: number;
  maxmemory: number;
  /** The policy of every master, or their distinct policies joined by commas. */
  maxmemoryPolicy: string;
  evictedKeys: number;
  expiredKeys: number;
  /** One per master (one for a single server). */
  nodes: RedisMemoryNode[];
}

export interface RedisKeyspaceStats {
  keyspaceHits: number;
  keyspaceMisses: number;
}

/** Redis's memory and evictions now; undefined when Redis is unavailable or refuses INFO. */
export async function readRedisMemory(
  connection: RedisConnection,
): Promise<RedisMemoryStats | undefined> {
  const nodes = await readMasters(connection, 'memory', async (master, isCluster) => {
    const [memory, stats] = await Promise.all([master.info('memory'), master.info('stats')]);
    return {
      ...(isCluster ? { node: `${master.options.host}:${master.options.port}` } : {}),
      usedMemory: numberField(memory, 'used_memory'),
      maxmemory: numberField(memory, 'maxmemory'),
      maxmemoryPolicy: field(memory, 'maxmemory_policy') ?? 'noeviction',
      evictedKeys: numberField(stats, 'evicted_keys'),
      expiredKeys: numberField(stats, 'expired_keys'),
    };
  });
  return nodes && summed(nodes, Date.now());
}

/** keyspace_hits and keyspace_misses summed over the masters; undefined when INFO is not answered. */
export async function keyspaceStatsIfAvailable(
  connection: RedisConnection,
): Promise<RedisKeyspaceStats | undefined> {
  const nodes = await readMasters(connection, 'stats', (master) => master.info('stats'));
  if (!nodes) return undefined;
  const sum = (name: string) => nodes.reduce((total, info) => total + numberField(info, name), 0);
  return { keyspaceHits: sum('keyspace_hits'), keyspaceMisses: sum('keyspace_misses') };
}

/** `read` on every master; undefined when Redis is unavailable or refuses INFO. */
async function readMasters<T>(
  connection: RedisConnection,
  section: string,
  read: (master: Redis, isCluster: boolean) => Promise<T>,
): Promise<T[] | undefined> {
  const { client, isCluster, health } = connection;
  if (!health.usable()) return undefined;
  const masters = isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  try {
    return await Promise.all(masters.map((master) => read(master, isCluster)));
  } catch (error) {
    infoUnavailable(connection, section, error);
    return undefined;
  }
}

/** Logs why INFO failed: an ACL refusal once per connection (INFO is read often), else at debug. */
function infoUnavailable(connection: RedisConnection, section: string, error: unknown): void {
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

function summed(nodes: RedisMemoryNode[], readAt: number): RedisMemoryStats {
  const sum = (pick: (node: RedisMemoryNode) => number) =>
    nodes.reduce((total, node) => total + pick(node), 0);
  return {
    readAt,
    usedMemory: sum((node) => node.usedMemory),
    maxmemory: nodes.some((node) => node.maxmemory === 0) ? 0 : sum((node) => node.maxmemory),
    maxmemoryPolicy: [...new Set(nodes.map((node) => node.maxmemoryPolicy))].join(','),
    evictedKeys: sum((node) => node.evictedKeys),
    expiredKeys: sum((node) => node.expiredKeys),
    nodes,
  };
}

function field(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*?)\\r?$`, 'm').exec(info)?.[1];
}

function numberField(info: string, name: string): number {
  return Number(field(info, name) ?? 0);
}
