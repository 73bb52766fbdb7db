// A real Redis Cluster for tests: three redis-server processes (masters; replicas if asked) on
// free ports, slots assigned with CLUSTER ADDSLOTSRANGE, joined with CLUSTER MEET, ready once every
// node reports cluster_state:ok with all 16384 slots served and knows every master (and every
// replica is in sync). dispose() kills them and removes their directories. The cluster bus ports
// are chosen too (`cluster-port`), so no port+10000 clash.
import { Cluster, Redis, type ClusterOptions } from 'ioredis';
import { freePort, RedisServer } from './redis-server.js';

const SLOTS = 16_384;

export interface ClusterNodeAddress {
  host: string;
  port: number;
}

export interface ClusterHarnessOptions {
  /** Replicas per master (default 0): server `masters + m * replicas + r` replicates master m. */
  replicas?: number;
  /** cluster-node-timeout: how long a silent master takes to be failed over. Default 2000 ms. */
  nodeTimeoutMs?: number;
}

export class RedisClusterHarness {
  private constructor(
    /** Masters first (in slot order), then replicas; after a failover the roles may differ. */
    readonly servers: RedisServer[],
    private readonly busPorts: number[],
    readonly masterCount: number,
  ) {}

  /** Starts `masters` nodes (default 3) and waits until the cluster serves every slot. */
  static async start(
    masters = 3,
    options: ClusterHarnessOptions = {},
  ): Promise<RedisClusterHarness> {
    const servers: RedisServer[] = [];
    const busPorts: number[] = [];
    const harness = new RedisClusterHarness(servers, busPorts, masters);
    const total = masters * (1 + (options.replicas ?? 0));
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
              // The tests assert what a user sees; a node must not refuse reads because another
              // node is briefly unreachable while the cluster forms.
              '--cluster-require-full-coverage',
              'no',
            ],
          }),
        );
      }
      await harness.form();
      if (total > masters) await harness.addReplicas();
      return harness;
    } catch (error) {
      await harness.dispose();
      throw error;
    }
  }

  /** Seed nodes for `new Cluster(nodes)` / `forRoot({ cluster: { nodes } })`. */
  get nodes(): ClusterNodeAddress[] {
    return this.servers
      .slice(0, this.masterCount)
      .map((server) => ({ host: '127.0.0.1', port: server.port }));
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

  /** The node id of server `index` (CLUSTER MYID). */
  async nodeId(index: number): Promise<string> {
    const client = this.node(index);
    try {
      return (await client.call('CLUSTER', 'MYID')) as string;
    } finally {
      client.disconnect();
    }
  }

  /**
   * Kills master `index` (SIGKILL, a crash) and resolves once one of its replicas serves its slots
   * as master on every surviving node, with how long that took.
   */
  async killMasterAndWaitForPromotion(index: number, timeoutMs = 30_000): Promise<number> {
    const killed = this.servers[index];
    const started = Date.now();
    await killed.stop('SIGKILL');
    const survivors = this.servers.filter((server) => server.running);
    const clients = survivors.map((server) => {
      const client = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 });
      client.on('error', () => undefined);
      return client;
    });
    try {
      const deadline = started + timeoutMs;
      for (;;) {
        const views = await Promise.all(
          clients.map(async (client) => {
            const slots = (await client.call('CLUSTER', 'SLOTS')) as [
              number,
              number,
              [string, number],
            ][];
            const info = (await client.call('CLUSTER', 'INFO')) as string;
            return (
              info.includes('cluster_state:ok') &&
              slots.length === this.masterCount &&
              slots.every(([, , master]) => Number(master[1]) !== killed.port)
            );
          }),
        );
        if (views.every(Boolean)) return Date.now() - started;
        if (Date.now() > deadline)
          throw new Error(`no replica of port ${killed.port} was promoted within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      for (const client of clients) client.disconnect();
    }
  }

  private async addReplicas(): Promise<void> {
    const clients = this.servers.map((_, i) => this.node(i));
    try {
      const masterIds = await Promise.all(
        clients
          .slice(0, this.masterCount)
          .map((client) => client.call('CLUSTER', 'MYID') as Promise<string>),
      );
      for (let i = this.masterCount; i < this.servers.length; i++) {
        await clients[0].call(
          'CLUSTER',
          'MEET',
          '127.0.0.1',
          String(this.servers[i].port),
          String(this.busPorts[i]),
        );
      }
      const deadline = Date.now() + 20_000;
      for (let i = this.masterCount; i < this.servers.length; i++) {
        const master = masterIds[(i - this.masterCount) % this.masterCount];
        // REPLICATE needs the master known to the replica (learned through the cluster bus).
        for (;;) {
          try {
            await clients[i].call('CLUSTER', 'REPLICATE', master);
            break;
          } catch (error) {
            if (Date.now() > deadline) throw error;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      }
      for (let i = this.masterCount; i < this.servers.length; i++) {
        while (!/master_link_status:up/.test(await clients[i].info('replication'))) {
          if (Date.now() > deadline) throw new Error('a cluster replica did not sync');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      // Every node lists every replica in its slot table.
      const replicasPerMaster = this.servers.length / this.masterCount - 1;
      for (;;) {
        const tables = await Promise.all(
          clients.map((client) => client.call('CLUSTER', 'SLOTS') as Promise<unknown[][]>),
        );
        if (tables.every((slots) => slots.every((range) => range.length - 3 === replicasPerMaster)))
          return;
        if (Date.now() > deadline) throw new Error('the cluster did not learn its replicas');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      for (const client of clients) client.disconnect();
    }
  }

  private async form(): Promise<void> {
    const clients = this.servers.slice(0, this.masterCount).map((_, i) => this.node(i));
    try {
      const perNode = Math.ceil(SLOTS / clients.length);
      await Promise.all(
        clients.map((client, i) =>
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
      for (let i = 1; i < clients.length; i++) {
        const port = String(this.servers[i].port);
        await clients[0].call('CLUSTER', 'MEET', '127.0.0.1', port, String(this.busPorts[i]));
      }
      await waitForClusterOk(clients);
    } finally {
      for (const client of clients) client.disconnect();
    }
  }
}

async function waitForClusterOk(clients: Redis[]): Promise<void> {
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
    if (states.every((state) => state.ok && state.known === clients.length)) return;
    last = states.map((state) => state.info.split('\r\n').slice(0, 3).join(' ')).join(' | ');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the Redis Cluster did not reach cluster_state:ok within 20 s: ${last}`);
}
