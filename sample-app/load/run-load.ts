// `npm run load`: drives a realistic shop mix with autocannon (mostly reads, Zipf-like product
// popularity, some cart writes, orders and admin changes) against the shop, once with its cache
// and once without (CACHE_DISABLED=1), and prints the two side by side.
//
// By default it starts the shop itself for each run (`npm start` with a fresh SQLite catalogue in
// a temporary file, or DATABASE_URL if set, and a throwaway Redis namespace it deletes afterwards).
// With --url it measures a shop that is already running, once, in whatever mode it runs.
//
//   npm run load -- [--duration 20] [--warmup 5] [--connections 16] [--url http://127.0.0.1:3000]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import type { LiveStats } from '../src/observability/live-stats.service.js';
import { ShopTraffic } from './shop-traffic.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface RunResult {
  label: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  unexpected: number;
  queries: number;
  lookups: number;
  hitRatio: number | null;
}

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    url: { type: 'string' },
  },
});
const duration = positive(args.duration, 'duration');
const warmup = Number(args.warmup);
const connections = positive(args.connections, 'connections');

const results: RunResult[] = [];
if (args.url) {
  const stats = await liveStats(args.url);
  results.push(await measure(args.url, stats.cache.enabled ? 'cache on' : 'cache off'));
} else {
  for (const disabled of [false, true]) results.push(await runAgainstOwnShop(disabled));
}
printTable(results);

async function runAgainstOwnShop(cacheDisabled: boolean): Promise<RunResult> {
  const label = cacheDisabled ? 'cache off' : 'cache on';
  const dir = mkdtempSync(join(tmpdir(), 'shop-load-'));
  const namespace = `load-${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'sample-app/src/main.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        SQLITE_FILE: join(dir, 'shop.db'),
        CACHE_NAMESPACE: namespace,
        CACHE_DISABLED: cacheDisabled ? '1' : '0',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(url, child);
    process.stderr.write(`\n${label}: shop started on ${url} (namespace ${namespace})\n`);
    return await measure(url, label);
  } finally {
    await stop(child);
    await deleteNamespace(namespace);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(url: string, label: string): Promise<RunResult> {
  const traffic = new ShopTraffic();
  if (warmup > 0) {
    process.stderr.write(`${label}: warming up for ${warmup} s\n`);
    await cannon(url, traffic, warmup);
  }
  process.stderr.write(`${label}: measuring for ${duration} s with ${connections} connections\n`);
  const before = await liveStats(url);
  const result = await cannon(url, traffic, duration);
  const after = await liveStats(url);
  const hits = after.cache.hits - before.cache.hits;
  const lookups = hits + after.cache.misses - before.cache.misses;
  // 404 (a product withdrawn by nobody: none expected) and 409 (sold out) are answers, not faults;
  // anything else that is not 2xx is counted.
  const unexpected =
    result.errors +
    result.timeouts +
    Object.entries(result.statusCodeStats ?? {})
      .filter(([code]) => !code.startsWith('2') && code !== '409' && code !== '404')
      .reduce((sum, [, stats]) => sum + (stats as { count: number }).count, 0);
  return {
    label,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    unexpected,
    queries: after.database.queries - before.database.queries,
    lookups,
    hitRatio: lookups > 0 ? hits / lookups : null,
  };
}

function cannon(url: string, traffic: ShopTraffic, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        requests: [{ setupRequest: (request) => ({ ...request, ...traffic.next() }) }],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    process.once('SIGINT', () => instance.stop());
  });
}

function printTable(runs: RunResult[]): void {
  const rows: [string, (run: RunResult) => string][] = [
    ['requests/s', (run) => run.requestsPerSecond.toFixed(0)],
    ['latency p50', (run) => `${run.p50.toFixed(1)} ms`],
    ['latency p99', (run) => `${run.p99.toFixed(1)} ms`],
    ['requests', (run) => String(run.requests)],
    ['database queries', (run) => String(run.queries)],
    ['queries per request', (run) => (run.queries / Math.max(1, run.requests)).toFixed(2)],
    [
      'cache hit ratio',
      (run) => (run.hitRatio === null ? 'n/a (no lookups)' : `${(run.hitRatio * 100).toFixed(1)}%`),
    ],
    ['unexpected responses', (run) => String(run.unexpected)],
  ];
  const header = ['', ...runs.map((run) => run.label)];
  const body = rows.map(([name, cell]) => [name, ...runs.map(cell)]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i].length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  const separator = `|${widths.map((width, i) => (i === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  const cpu = cpus();
  console.log(
    `\nShop load: ${duration} s per run after ${warmup} s warm-up, ${connections} connections, ` +
      `${process.env.DATABASE_URL ? 'PostgreSQL' : 'SQLite'}; ` +
      `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`,
  );
  console.log([line(header), separator, ...body.map(line)].join('\n'));
}

async function liveStats(url: string): Promise<LiveStats> {
  const response = await fetch(`${url}/dashboard/data`);
  if (!response.ok) throw new Error(`${url}/dashboard/data answered ${response.status}`);
  return (await response.json()) as LiveStats;
}

async function waitUntilServing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the shop exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/dashboard/data`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the shop did not answer on ${url} within 60 s`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Removes what the run left in Redis: its namespace's entries and bookkeeping, nothing else. */
async function deleteNamespace(namespace: string): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  });
  try {
    await redis.connect();
    for (const match of [`${namespace}:*`, `${namespace}#*`]) {
      for await (const keys of redis.scanStream({ match, count: 1000 }) as AsyncIterable<
        string[]
      >) {
        if (keys.length > 0) await redis.unlink(...keys);
      }
    }
  } catch (error) {
    process.stderr.write(`could not delete namespace ${namespace}: ${(error as Error).message}\n`);
  } finally {
    redis.disconnect();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function positive(raw: string | undefined, name: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive integer`);
  return value;
}
