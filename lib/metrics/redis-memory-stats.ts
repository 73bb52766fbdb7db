// How full Redis is and whether it is evicting: used_memory, maxmemory and maxmemory_policy (INFO
// memory), evicted_keys and expired_keys (INFO stats), per master on a Cluster. Read at the stats
// flush (cluster-stats.ts), never per lookup; stats() and metrics() report the last reading. When
// Redis refuses INFO (an ACL, a hosted service) nothing is reported and that is said once.
import type { Cluster, Redis } from 'ioredis';
import type { RedisConnection } from '../redis/redis-connection.js';
import { infoUnavailable } from './redis-keyspace-stats.js';

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

export class RedisMemoryReader {
  private latest?: RedisMemoryStats;

  constructor(private readonly connection: RedisConnection) {}

  /** The last reading, if any succeeded. */
  snapshot(): RedisMemoryStats | undefined {
    return this.latest;
  }

  /** Reads INFO again; keeps the last reading when Redis is unavailable or refuses. */
  async refresh(): Promise<void> {
    const { client, isCluster, health } = this.connection;
    if (!health.usable()) return;
    try {
      const nodes = await readNodes(client, isCluster);
      this.latest = summed(nodes, Date.now());
    } catch (error) {
      infoUnavailable(this.connection, 'memory', error);
    }
  }
}

async function readNodes(client: Redis | Cluster, isCluster: boolean): Promise<RedisMemoryNode[]> {
  const masters = isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  return Promise.all(
    masters.map(async (master) => {
      const [memory, stats] = await Promise.all([master.info('memory'), master.info('stats')]);
      return {
        ...(isCluster ? { node: `${master.options.host}:${master.options.port}` } : {}),
        usedMemory: numberField(memory, 'used_memory'),
        maxmemory: numberField(memory, 'maxmemory'),
        maxmemoryPolicy: field(memory, 'maxmemory_policy') ?? 'noeviction',
        evictedKeys: numberField(stats, 'evicted_keys'),
        expiredKeys: numberField(stats, 'expired_keys'),
      };
    }),
  );
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
