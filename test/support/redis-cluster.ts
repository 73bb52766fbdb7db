// A real Redis Cluster for tests: three redis-server processes (masters, no replicas) on free
// ports, slots assigned with CLUSTER ADDSLOTSRANGE, joined with CLUSTER MEET, ready once every node
// reports cluster_state:ok with all 16384 slots served and knows every master. dispose() kills them and removes their
// directories. The cluster bus ports are chosen too (`cluster-port`), so no port+10000 clash.
import { Cluster, Redis, type ClusterOptions } from 'ioredis';
import { freePort, RedisServer } from './redis-server.js';

const SLOTS = 16_384;

export interface ClusterNodeAddress {
  host: string;
  port: number;
}

export class RedisClusterHarness {
  private constructor(
    readonly servers: RedisServer[],
    private readonly busPorts: number[],
  ) {}

  /**
   * Starts `masters` nodes (default 3), and `replicasPerMaster` replicas of each (default 0, so
   * `servers` holds the masters, then the replicas), and waits until the cluster serves every
   * slot. `nodeTimeoutMs` is `cluster-node-timeout` (default 2000): how long a silent master
   * takes to be failed over.
   */
  static async start(
    masters = 3,
    options: { replicasPerMaster?: number; nodeTimeoutMs?: number } = {},
  ): Promise<RedisClusterHarness> {
    const servers: RedisServer[] = [];
    const busPorts: number[] = [];
    const harness = new RedisClusterHarness(servers, busPorts);
    harness.masterCount = masters;
    const total = masters * (1 + (options.replicasPerMaster ?? 0));
    try {
      for (let i = 0; i < total; i++) {
        busPorts.push(await freePort());
        servers.push(
          await RedisServer.start({
            args: [
              '--cluster-enabled',
              'yes',
              '--cluster-port',
              String(busPorts[i]),
              '--cluster-node-timeout',
              String(options.nodeTimeoutMs ?? 2000),
              // A replica of a killed master is promoted however recently it heard from it.
              '--cluster-replica-validity-factor',
              '0',
              // The tests assert what a user sees; a node must not refuse reads because another
              // node is briefly unreachable while the cluster forms.
              '--cluster-require-full-coverage',
              'no',
            ],
          }),
        );
      }
      await harness.form();
      return harness;
    } catch (error) {
      await harness.dispose();
      throw error;
    }
  }

  private masterCount = 0;

  /** Seed nodes for `new Cluster(nodes)` / `forRoot({ cluster: { nodes } })`. */
  get nodes(): ClusterNodeAddress[] {
    return this.servers.map((server) => ({ host: '127.0.0.1', port: server.port }));
  }

  /** A Cluster client for tests to look at what the cache stored; quit it afterwards. */
  client(options: ClusterOptions = {}): Cluster {
    const cluster = new Cluster(this.nodes, options);
    cluster.on('error', () => undefined);
    return cluster;
  }

  /** A plain connection to one node (no redirections followed). */
  node(index: number): Redis {
    const client = new Redis({ host: '127.0.0.1', port: this.servers[index].port });
    client.on('error', () => undefined);
    return client;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.dispose()));
  }

  /** The index in `servers` of the node serving `slot` now, asked of a live node. */
  async masterOfSlot(slot: number): Promise<number> {
    for (let i = 0; i < this.servers.length; i++) {
      if (!this.servers[i].running) continue;
      const client = this.node(i);
      try {
        const ranges = (await client.call('CLUSTER', 'SLOTS')) as [
          number,
          number,
          [string, number],
        ][];
        const range = ranges.find(([from, to]) => slot >= from && slot <= to);
        if (range) return this.servers.findIndex((server) => server.port === range[2][1]);
      } catch {
        // this node does not answer: ask the next
      } finally {
        client.disconnect();
      }
    }
    throw new Error(`no live node knows who serves slot ${slot}`);
  }

  /**
   * Kills the master serving `slot` (SIGKILL, as a crash) and resolves once a replica serves the
   * slot again (cluster_state:ok on the promoted node), with how long that took.
   */
  async killMasterOfSlotAndWaitForFailover(
    slot: number,
    timeoutMs = 30_000,
  ): Promise<{ killed: number; promoted: number; tookMs: number }> {
    const killed = await this.masterOfSlot(slot);
    const started = Date.now();
    await this.servers[killed].stop('SIGKILL');
    const deadline = started + timeoutMs;
    for (;;) {
      const promoted = await this.masterOfSlot(slot).catch(() => killed);
      if (promoted !== killed) {
        const client = this.node(promoted);
        try {
          const info = (await client.call('CLUSTER', 'INFO')) as string;
          if (info.includes('cluster_state:ok'))
            return { killed, promoted, tookMs: Date.now() - started };
        } finally {
          client.disconnect();
        }
      }
      if (Date.now() > deadline)
        throw new Error(`slot ${slot} was not failed over within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async form(): Promise<void> {
    const clients = this.servers.map((_, i) => this.node(i));
    const masters = clients.slice(0, this.masterCount);
    try {
      const perNode = Math.ceil(SLOTS / masters.length);
      await Promise.all(
        masters.map((client, i) =>
          client.call(
            'CLUSTER',
            'ADDSLOTSRANGE',
            String(i * perNode),
            String(Math.min(SLOTS, (i + 1) * perNode) - 1),
          ),
        ),
      );
      // Each node has its own epoch: no two masters may claim slots with the same one.
      await Promise.all(
        clients.map((client, i) => client.call('CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1))),
      );
      for (let i = 1; i < this.servers.length; i++) {
        const port = String(this.servers[i].port);
        await clients[0].call('CLUSTER', 'MEET', '127.0.0.1', port, String(this.busPorts[i]));
      }
      await waitForClusterOk(clients, this.masterCount);
      if (clients.length > masters.length) await this.attachReplicas(clients);
    } finally {
      for (const client of clients) client.disconnect();
    }
  }

  /** Makes the nodes past the masters replicas, in turn, of each master; waits until they synced. */
  private async attachReplicas(clients: Redis[]): Promise<void> {
    const masterIds = await Promise.all(
      clients
        .slice(0, this.masterCount)
        .map(async (client) => (await client.call('CLUSTER', 'MYID')) as string),
    );
    for (let i = this.masterCount; i < clients.length; i++) {
      const masterId = masterIds[(i - this.masterCount) % this.masterCount];
      const deadline = Date.now() + 20_000;
      // A node can only replicate a master it has learned about through the cluster bus.
      for (;;) {
        try {
          await clients[i].call('CLUSTER', 'REPLICATE', masterId);
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
    const deadline = Date.now() + 20_000;
    for (const replica of clients.slice(this.masterCount)) {
      while (!/master_link_status:up/.test(await replica.info('replication'))) {
        if (Date.now() > deadline)
          throw new Error('a cluster replica did not sync with its master');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await waitForClusterOk(clients, this.masterCount);
  }
}

async function waitForClusterOk(clients: Redis[], masters: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = '';
  while (Date.now() < deadline) {
    const states = await Promise.all(
      clients.map(async (client) => {
        const info = (await client.call('CLUSTER', 'INFO')) as string;
        const slots = (await client.call('CLUSTER', 'SLOTS')) as unknown[];
        const ok = info.includes('cluster_state:ok') && info.includes(`slots_ok:${SLOTS}`);
        return { ok, known: slots.length, info };
      }),
    );
    if (states.every((state) => state.ok && state.known === masters)) return;
    last = states.map((state) => state.info.split('\r\n').slice(0, 3).join(' ')).join(' | ');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the Redis Cluster did not reach cluster_state:ok within 20 s: ${last}`);
}
