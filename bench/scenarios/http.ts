// Scenario 5: a cached GET endpoint under autocannon (50 connections), each contender in a Nest
// app of its own process, as a user's app has one cache or the other: the library packed and
// installed from its tarball (bench/support/packed-library.ts), the app compiled to JavaScript,
// on Node 20 and on Node 24 (bench/support/node-binaries.ts), against a redis-server on its
// default settings. Every app of every Node version is up at once and rounds visit them in a
// rotating order, so the Node versions and the contenders share the machine's state alike; the
// median round is reported, with the app process's CPU per request (steadier on a busy machine).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { RedisServer } from '../../test/support/redis-server.js';
import { cpuColumn, cpuSecondsOf, load } from '../support/app-load.js';
import type { BenchContext } from '../support/context.js';
import { median } from '../support/measure.js';
import { nodeBinaries, type NodeBinary } from '../support/node-binaries.js';
import { preparePackedApp } from '../support/packed-library.js';
import type { Row, Table } from '../support/report.js';

const RECOMMENDED = '@Cacheable + CacheStatsInterceptor (recommended setup)';
const CM = '@nestjs/cache-manager CacheInterceptor';
const IOREDIS = 'ioredis by hand';
const MAP = 'process-local Map';
const RESPONSE = '@CacheResponse (whole response)';
const RESPONSE_L1 = '@CacheResponse, L1 hit';

/** Row name → CONTENDER of bench/fixtures/http-contender-app.ts. */
const CONTENDERS: { name: string; contender: string }[] = [
  { name: 'this library getOrSet', contender: 'lib-getOrSet' },
  { name: 'this library getOrSet, L1 hit (frozen)', contender: 'lib-getOrSet-l1' },
  { name: '@Cacheable service method', contender: 'cacheable' },
  { name: RECOMMENDED, contender: 'recommended' },
  { name: '@Cacheable + CacheStatsInterceptor, L1 hit (frozen)', contender: 'recommended-l1' },
  { name: RESPONSE, contender: 'response' },
  { name: RESPONSE_L1, contender: 'response-l1' },
  { name: CM, contender: 'cache-manager' },
  { name: IOREDIS, contender: 'ioredis' },
  { name: MAP, contender: 'map' },
];

interface App {
  name: string;
  node: NodeBinary;
  child: ChildProcess;
  base: string;
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  cpuUs: number | undefined;
}

export async function http(context: BenchContext): Promise<void> {
  const { config } = context;
  const nodes = nodeBinaries(config.httpNodes);
  const packed = preparePackedApp(config.reusePack);
  // Redis as installed: nothing tuned (the harness only turns RDB snapshots off, so no fork
  // lands in a round, and binds it to a free local port).
  const redis = await RedisServer.start();
  try {
    for (const adapter of config.httpProcessAdapters)
      await runAdapter(context, adapter, nodes, packed.entry, redis.url);
  } finally {
    await redis.dispose();
  }
}

async function runAdapter(
  { config, report }: BenchContext,
  adapter: 'express' | 'fastify',
  nodes: NodeBinary[],
  entry: string,
  redisUrl: string,
): Promise<void> {
  const ids = config.quick ? 100 : 500;
  const apps: App[] = [];
  try {
    // Started one after the other: twenty Nest apps booting at once on two cores take longer
    // than in turn, and a slow boot is not what is measured.
    const chosen =
      config.httpContenders.length === 0
        ? CONTENDERS
        : CONTENDERS.filter((c) => config.httpContenders.includes(c.contender));
    if (chosen.length < Math.max(1, config.httpContenders.length))
      throw new Error(
        `--contenders: known ${CONTENDERS.map((c) => c.contender).join(', ')}; got ${config.httpContenders.join(', ')}`,
      );
    for (const node of nodes)
      for (const { name, contender } of chosen)
        apps.push(
          await startApp(name, node, entry, {
            REDIS_URL: redisUrl,
            CONTENDER: contender,
            ADAPTER: adapter,
          }),
        );
    // Prime every id on every app (the first request of each is a miss), then warm up.
    for (const app of apps)
      for (let id = 0; id < ids; id++) {
        const response = await fetch(`${app.base}/item/${id}`);
        if (!response.ok)
          throw new Error(
            `${app.name} on ${app.node.label}: /item/${id} answered ${response.status}`,
          );
        await response.arrayBuffer();
      }
    if (!config.quick)
      for (const app of apps) await load(app.base, '/item/', 1, config.httpConnections, ids);
    const samples = new Map(apps.map((app) => [app, [] as Sample[]]));
    const errors = new Map(apps.map((app) => [app, 0]));
    for (let round = 0; round < config.httpRounds; round++) {
      const order = apps.map((_, i) => apps[(i + round) % apps.length]);
      for (const app of order) {
        const cpuBefore = cpuSecondsOf(app.child.pid);
        const result = await load(
          app.base,
          '/item/',
          config.httpSeconds,
          config.httpConnections,
          ids,
        );
        const cpuAfter = cpuSecondsOf(app.child.pid);
        samples.get(app)!.push({
          rps: result.requests.total / result.duration,
          p50: result.latency.p50,
          p99: result.latency.p99,
          cpuUs:
            cpuBefore === undefined || cpuAfter === undefined || result.requests.total === 0
              ? undefined
              : ((cpuAfter - cpuBefore) * 1e6) / result.requests.total,
        });
        errors.set(app, errors.get(app)! + result.errors + result.non2xx + result.timeouts);
      }
    }
    for (const node of nodes) {
      const rows: Row[] = apps
        .filter((app) => app.node === node)
        .map((app) => {
          const s = samples.get(app)!;
          return {
            name: app.name,
            opsPerSec: median(s.map((x) => x.rps)),
            p50Ms: median(s.map((x) => x.p50)),
            p99Ms: median(s.map((x) => x.p99)),
            rounds: s.map((x) => Math.round(x.rps)),
            extra: { errors: errors.get(app)!, ...cpuColumn(s.map((x) => x.cpuUs)) },
          };
        });
      const table: Table = {
        scenario: 'http',
        title: `5. HTTP cached GET (1 KB JSON, ${ids} ids), ${node.label}, Nest on ${adapter}, each contender in its own process, autocannon ${config.httpConnections} connections, median of ${config.httpRounds} x ${config.httpSeconds} s rounds`,
        baseline: RECOMMENDED,
        rows,
        notes: [
          'ops/s = requests/s; each row is a Nest app of its own process with only that cache in it (the library from its packed tarball), autocannon in the benchmark process',
          `${nodes.map((n) => n.label).join(' and ')} apps were all up at once and measured in the same rotating rounds`,
          'app CPU µs/req: CPU time of the app process per request (median of rounds; Linux): what a request costs, however busy the machine',
          'rows without "L1" pass l1: false (Redis hits); the L1 rows have l1.frozen',
          'redis-server on its default settings (RDB snapshots off)',
        ],
      };
      report.table(table);
      if (chosen === CONTENDERS)
        checkTargets(report, `http ${adapter} ${node.label}`, node.major, rows);
    }
  } finally {
    await Promise.all(apps.map((app) => stop(app.child)));
  }
}

function checkTargets(
  report: BenchContext['report'],
  prefix: string,
  major: number,
  rows: Row[],
): void {
  const ops = (name: string) => rows.find((r) => r.name === name)!.opsPerSec!;
  const p99 = (name: string) => rows.find((r) => r.name === name)!.p99Ms!;
  const cm = ops(CM);
  // The recommended stack against CacheInterceptor: ≥ 1.0x on Node 20, ≥ 1.2x on Node 24.
  report.target(
    `${prefix}: recommended setup ÷ CacheInterceptor`,
    ops(RECOMMENDED) / cm,
    major >= 24 ? 1.2 : 1.0,
  );
  report.target(
    `${prefix}: lib getOrSet ÷ CacheInterceptor`,
    ops('this library getOrSet') / cm,
    1.0,
  );
  report.target(
    `${prefix}: recommended setup ÷ same app without CacheStatsInterceptor`,
    ops(RECOMMENDED) / ops('@Cacheable service method'),
    0.95,
  );
  report.target(
    `${prefix}: recommended setup p99 ÷ CacheInterceptor p99`,
    p99(RECOMMENDED) / p99(CM),
    1.0,
    'max',
  );
  report.target(`${prefix}: @CacheResponse ÷ ioredis by hand`, ops(RESPONSE) / ops(IOREDIS), 1.2);
  report.target(`${prefix}: @CacheResponse ÷ CacheInterceptor`, ops(RESPONSE) / cm, 1.2);
  report.target(
    `${prefix}: @CacheResponse with L1 ÷ process-local Map`,
    ops(RESPONSE_L1) / ops(MAP),
    1.0,
  );
}

function startApp(
  name: string,
  node: NodeBinary,
  entry: string,
  env: Record<string, string>,
): Promise<App> {
  const child = spawn(node.path, [entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('no "ready" within 60 s')), 60_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${name} on ${node.label} did not start: ${error.message}\n${stderr}`));
    };
    child.once('exit', (code) => fail(new Error(`exited with code ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let message: { type?: string; port?: number };
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        return; // ordinary log output
      }
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ name, node, child, base: `http://127.0.0.1:${message.port}` });
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
