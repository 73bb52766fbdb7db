// A real Redis Cluster for tests: redis-server processes on free ports (three masters by default,
// replicas on request), slots assigned with CLUSTER ADDSLOTSRANGE, joined with CLUSTER MEET, ready
// once every node reports cluster_state:ok with all 16384 slots served, knows every master, and
// every replica has synced. dispose() kills them and removes their
// directories. The cluster bus ports are chosen too (`cluster-port`), so no port+10000 clash.
import { Cluster, Redis, type ClusterOptions } from 'ioredis';
import { freePort, RedisServer } from './redis-server.js';

const SLOTS = 16_384;

const LENIENT_SETTINGS = [
  // A replica of a killed master is promoted however recently it heard from it.
  '--cluster-replica-validity-factor',
  '0',
  // The tests assert what a user sees; a node must not refuse reads because another node is
  // briefly unreachable while the cluster forms.
  '--cluster-require-full-coverage',
  'no',
];

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
   * takes to be failed over. `redisDefaults: true` leaves every other setting at Redis's default
   * (`cluster-require-full-coverage yes`: every node refuses commands while any slot is unserved;
   * `cluster-replica-validity-factor 10`), as a production cluster runs; otherwise the nodes serve
   * what they can while a slot is down and a replica is promoted however stale it is.
   */
  static async start(
    masters = 3,
    options: { replicasPerMaster?: number; nodeTimeoutMs?: number; redisDefaults?: boolean } = {},
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
              ...(options.redisDefaults ? [] : LENIENT_SETTINGS),
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
   * slot again and every live node reports cluster_state:ok, with how long that took.
   */
  async killMasterOfSlotAndWaitForFailover(
    slot: number,
    timeoutMs = 30_000,
  ): Promise<{ killed: number; promoted: number; tookMs: number }> {
    const { killed, killedAt } = await this.killMasterOfSlot(slot);
    const promoted = await this.waitForFailover(slot, killed, killedAt + timeoutMs);
    return { killed, promoted, tookMs: Date.now() - killedAt };
  }

  /** Kills the master serving `slot` (SIGKILL, as a crash), once a replica of it has synced. */
  async killMasterOfSlot(slot: number): Promise<{ killed: number; killedAt: number }> {
    const killed = await this.masterOfSlot(slot);
    await this.expectSyncedReplicaOf(killed);
    const killedAt = Date.now();
    await this.servers[killed].stop('SIGKILL');
    return { killed, killedAt };
  }

  /**
   * Resolves with the index of the node serving `slot` once it is not `killed` and every live
   * node reports cluster_state:ok.
   */
  async waitForFailover(
    slot: number,
    killed: number,
    deadline = Date.now() + 30_000,
  ): Promise<number> {
    for (;;) {
      const promoted = await this.masterOfSlot(slot).catch(() => killed);
      if (promoted !== killed && (await this.liveNodesReport('ok'))) return promoted;
      if (Date.now() > deadline) throw new Error(`slot ${slot} was not failed over in time`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Resolves once every live node reports cluster_state:fail (they refuse every key). */
  async waitForClusterDown(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.liveNodesReport('fail'))) {
      if (Date.now() > deadline)
        throw new Error(`the cluster did not report cluster_state:fail within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Throws unless a replica of `master` has completed its sync: on Redis's defaults
   * (`cluster-replica-validity-factor 10`) a replica that never synced is never promoted, and with
   * `cluster-require-full-coverage yes` the cluster then stays down for good. A fresh replica's
   * first sync waits `repl-diskless-sync-delay` (5 s by default).
   */
  private async expectSyncedReplicaOf(master: number): Promise<void> {
    const masterPort = `master_port:${this.servers[master].port}\r\n`;
    for (let i = 0; i < this.servers.length; i++) {
      if (i === master || !this.servers[i].running) continue;
      const client = this.node(i);
      try {
        const info = await client.info('replication');
        if (info.includes(masterPort) && info.includes('master_link_status:up')) return;
      } finally {
        client.disconnect();
      }
    }
    throw new Error(
      `no replica of the master on port ${this.servers[master].port} has synced: it could not be failed over`,
    );
  }

  /** Whether every node still running reports `cluster_state:<state>`. */
  private async liveNodesReport(state: 'ok' | 'fail'): Promise<boolean> {
    const live = this.servers.flatMap((server, i) => (server.running ? [this.node(i)] : []));
    try {
      const infos = await Promise.all(
        live.map((client) => client.call('CLUSTER', 'INFO') as Promise<string>),
      );
      return infos.every((info) => info.includes(`cluster_state:${state}`));
    } catch {
      return false;
    } finally {
      for (const client of live) client.disconnect();
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
