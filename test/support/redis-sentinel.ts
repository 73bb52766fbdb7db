// A real Redis Sentinel setup for tests: a master, one replica and `sentinels` sentinel processes
// (`redis-server <config> --sentinel`) with short detection and failover times, so killing the
// master leads to a promoted replica within a few seconds. dispose() kills every process and
// removes their directories.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, RedisServer } from './redis-server.js';

const SENTINEL_MASTER_NAME = 'mymaster';

export interface SentinelHarnessOptions {
  /** Sentinel processes (quorum is a majority of them). Default 1. */
  sentinels?: number;
  /** How long a silent master takes to be considered down. Default 500 ms. */
  downAfterMs?: number;
}

class SentinelProcess {
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'redis-sentinel-'));

  constructor(readonly port: number) {}

  async start(masterPort: number, quorum: number, downAfterMs: number): Promise<void> {
    const config = join(this.dir, 'sentinel.conf');
    // Sentinel rewrites its config file as it learns the topology: it must be writable.
    writeFileSync(
      config,
      [
        `port ${this.port}`,
        'bind 127.0.0.1',
        'protected-mode no',
        `dir ${this.dir}`,
        `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${masterPort} ${quorum}`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${downAfterMs}`,
        `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 2000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
        '',
      ].join('\n'),
    );
    let output = '';
    const child = spawn('redis-server', [config, '--sentinel'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    this.child = child;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      const probe = new Redis({
        port: this.port,
        host: '127.0.0.1',
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        // not listening yet
      } finally {
        probe.disconnect();
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill('SIGKILL');
    throw new Error(`sentinel on port ${this.port} did not start:\n${output}`);
  }

  client(): Redis {
    const client = new Redis({ host: '127.0.0.1', port: this.port, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    return client;
  }

  async dispose(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class RedisSentinelHarness {
  private constructor(
    /** [master, replica] at start; after a failover the replica is the master. */
    readonly servers: RedisServer[],
    private readonly sentinelProcesses: SentinelProcess[],
  ) {}

  static async start(options: SentinelHarnessOptions = {}): Promise<RedisSentinelHarness> {
    const count = options.sentinels ?? 1;
    const servers: RedisServer[] = [];
    const sentinels: SentinelProcess[] = [];
    const harness = new RedisSentinelHarness(servers, sentinels);
    try {
      const master = await RedisServer.start();
      servers.push(master);
      servers.push(
        await RedisServer.start({
          args: [
            '--replicaof',
            '127.0.0.1',
            String(master.port),
            '--repl-ping-replica-period',
            '1',
          ],
        }),
      );
      await harness.waitForReplication(master);
      for (let i = 0; i < count; i++) {
        const sentinel = new SentinelProcess(await freePort());
        sentinels.push(sentinel);
        await sentinel.start(master.port, Math.floor(count / 2) + 1, options.downAfterMs ?? 500);
      }
      // A failover needs the sentinels to know the replica (learned from the master's INFO).
      await harness.waitForSentinels((state) => state.replicas >= 1, 'to discover the replica');
      return harness;
    } catch (error) {
      await harness.dispose();
      throw error;
    }
  }

  /** For ioredis: `{ sentinels, name }`. */
  get sentinels(): { host: string; port: number }[] {
    return this.sentinelProcesses.map((s) => ({ host: '127.0.0.1', port: s.port }));
  }

  get name(): string {
    return SENTINEL_MASTER_NAME;
  }

  /** The port the sentinels currently report as the master's. */
  async masterPort(): Promise<number> {
    const client = this.sentinelProcesses[0].client();
    try {
      const [, port] = (await client.call(
        'SENTINEL',
        'get-master-addr-by-name',
        SENTINEL_MASTER_NAME,
      )) as [string, string];
      return Number(port);
    } finally {
      client.disconnect();
    }
  }

  /** The server the sentinels report as master. */
  async master(): Promise<RedisServer> {
    const port = await this.masterPort();
    const server = this.servers.find((s) => s.port === port);
    if (!server) throw new Error(`the sentinels report an unknown master on port ${port}`);
    return server;
  }

  /**
   * Kills the current master (SIGKILL, as a crash) and resolves once the sentinels have promoted
   * the replica, with the new master's server and how long the promotion took.
   */
  async killMasterAndWaitForFailover(
    timeoutMs = 20_000,
  ): Promise<{ master: RedisServer; tookMs: number }> {
    const old = await this.master();
    const started = Date.now();
    await old.stop('SIGKILL');
    await this.waitForSentinels(
      (state) => state.masterPort !== old.port,
      'to fail over',
      timeoutMs,
    );
    const master = await this.master();
    // The promoted replica answers as a master (ROLE) before the failover counts as done.
    const client = new Redis({ host: '127.0.0.1', port: master.port, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    try {
      const deadline = Date.now() + timeoutMs;
      while (((await client.call('ROLE')) as [string])[0] !== 'master') {
        if (Date.now() > deadline) throw new Error('the promoted replica never became master');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      client.disconnect();
    }
    return { master, tookMs: Date.now() - started };
  }

  async dispose(): Promise<void> {
    await Promise.all([
      ...this.sentinelProcesses.map((sentinel) => sentinel.dispose()),
      ...this.servers.map((server) => server.dispose()),
    ]);
  }

  private async waitForReplication(master: RedisServer): Promise<void> {
    const client = new Redis({ host: '127.0.0.1', port: master.port });
    client.on('error', () => undefined);
    try {
      const deadline = Date.now() + 10_000;
      // Connected is not enough: until the first sync is done (state=online) the replica
      // confirms no write (WAIT answers 0).
      while (!/slave0:.*state=online/.test(await client.info('replication'))) {
        if (Date.now() > deadline) throw new Error('the replica did not connect to the master');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      client.disconnect();
    }
  }

  private async waitForSentinels(
    accept: (state: { masterPort: number; replicas: number }) => boolean,
    what: string,
    timeoutMs = 15_000,
  ): Promise<void> {
    const clients = this.sentinelProcesses.map((sentinel) => sentinel.client());
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(
          clients.map(async (client) => {
            const [, port] = (await client.call(
              'SENTINEL',
              'get-master-addr-by-name',
              SENTINEL_MASTER_NAME,
            )) as [string, string];
            const replicas = (await client.call(
              'SENTINEL',
              'replicas',
              SENTINEL_MASTER_NAME,
            )) as unknown[];
            return { masterPort: Number(port), replicas: replicas.length };
          }),
        );
        if (states.every(accept)) return;
        if (Date.now() > deadline)
          throw new Error(`the sentinels did not manage ${what} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      for (const client of clients) client.disconnect();
    }
  }
}
