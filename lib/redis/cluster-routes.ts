// Which Cluster master a key's commands go to, as the ioredis Cluster client currently routes them
// (its slot table), so health can be tracked per node: a dead master then costs only its own slots.
import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';

export type ClusterNodeState = 'serving' | 'cluster-down' | 'unreachable';

export class ClusterRoutes {
  constructor(private readonly cluster: Cluster) {}

  /** The master serving `key` ("host:port"), or undefined while the client does not know. */
  nodeOf(key: string): string | undefined {
    return this.cluster.slots[calculateSlot(key)]?.[0];
  }

  /** Whether `node` still serves any slot (false once its slots failed over elsewhere). */
  serves(node: string): boolean {
    return this.cluster.slots.some((owners) => owners?.[0] === node);
  }

  /**
   * Whether `node` serves its keys now: 'serving' when it reports cluster_state:ok, 'cluster-down'
   * when it answers but the cluster is down (a slot unserved, with `cluster-require-full-coverage
   * yes`: every node then refuses every key with CLUSTERDOWN, though each still answers PING),
   * 'unreachable' when it does not answer or is not connected.
   */
  async stateOf(node: string): Promise<ClusterNodeState> {
    const client = this.cluster
      .nodes('master')
      .find((candidate) => `${candidate.options.host}:${candidate.options.port}` === node);
    if (!client || client.status !== 'ready') return 'unreachable';
    try {
      const info = (await client.call('CLUSTER', 'INFO')) as string;
      return info.includes('cluster_state:ok') ? 'serving' : 'cluster-down';
    } catch {
      return 'unreachable';
    }
  }

  /** Asks the cluster who serves what now, e.g. after a node failed (a promotion moves its slots). */
  refresh(): void {
    this.cluster.refreshSlotsCache(() => undefined);
  }
}
