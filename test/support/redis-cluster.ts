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

  /** Starts `masters` nodes (default 3) and waits until the cluster serves every slot. */
  static async start(masters = 3): Promise<RedisClusterHarness> {
    const servers: RedisServer[] = [];
    const busPorts: number[] = [];
    const harness = new RedisClusterHarness(servers, busPorts);
    try {
      for (let i = 0; i < masters; i++) {
        busPorts.push(await freePort());
        servers.push(
          await RedisServer.start({
            args: [
              '--cluster-enabled',
              'yes',
              '--cluster-port',
              String(busPorts[i]),
              '--cluster-node-timeout',
              '2000',
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

  private async form(): Promise<void> {
    const clients = this.servers.map((_, i) => this.node(i));
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
      for (let i = 1; i < this.servers.length; i++) {
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
