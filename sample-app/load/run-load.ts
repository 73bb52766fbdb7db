// `npm run load`: drives a realistic shop mix with autocannon (mostly reads, Zipf-like product
// popularity, listings and searches, some cart writes, orders and admin changes) against the shop,
// once with its cache and once without (CACHE_DISABLED=1), and prints the two side by side with
// the database queries and database time per request, for each database asked for:
//
//   sqlite            the embedded SQLite (default without DATABASE_URL)
//   postgres          PostgreSQL on this machine (default with DATABASE_URL)
//   postgres-latency  the same with DB_LATENCY_MS (--latency, default 1 ms) added to every query
//   all               the three, one after the other
//
// Every run starts the shop itself on a fresh copy of one seeded catalogue (a copied SQLite file;
// a PostgreSQL database created from a seeded template on the server of DATABASE_URL or --pg-url,
// dropped afterwards) and a throwaway Redis namespace it deletes afterwards. The results are also
// written to sample-app/data/last-load.json, which the dashboard shows.
// With --url it measures a shop that is already running, once, in whatever mode it runs.
// It prints its plan and how long it will take first; --quick is a smoke check of ~30 s. Ctrl-C
// (or SIGTERM) stops the shops it started and removes their Redis keys and databases.
//
// Each run measures a warm shop, as a shop that has been serving for a while is: the warm-up sends
// the same traffic first, for 60 s (--warmup) and, with the cache on, for at least 100,000
// requests (--warmup-requests), so the long tail of popular products is in the cache about as much
// as it would be after a few minutes of real traffic, however fast the machine: how warm a cache
// is depends on the requests it has seen, not on the seconds (a machine half as fast would
// otherwise measure a colder cache). With the cache off there is no cache to warm: the seconds
// warm the database and the JIT. A second table per database says where the remaining queries
// come from, route by route.
//
//   npm run load -- [--quick] [--db sqlite|postgres|postgres-latency|all|a,b] [--latency 1]
//                   [--pool 10] [--duration 20] [--warmup 60] [--warmup-requests 100000]
//                   [--connections 16] [--pg-url postgres://...] [--url http://127.0.0.1:3000]
//   npm run load -- --help
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { LAST_LOAD_FILE } from '../src/config/shop-config.js';
import type { LiveStats } from '../src/observability/live-stats.service.js';
import {
  currentLoad,
  formatHotKeys,
  formatRouteTable,
  formatTable,
  machineLine,
  type RouteResult,
  type LoadReport,
  type RunResult,
  type TargetResult,
} from './load-report.js';
import { LoadResources } from './load-resources.js';
import { parseLoadOptions, USAGE, type LoadOptions, type Target } from './load-options.js';
import { planLines } from './load-plan.js';
import { ShopTraffic } from './shop-traffic.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const parsed = parseLoadOptions(process.argv.slice(2), process.env);
if (parsed === 'help') {
  console.log(USAGE);
  process.exit(0);
}
const options: LoadOptions = parsed;
const { duration, warmup, warmupRequests, connections, latencyMs, poolMax, pgAdminUrl } = options;
const resources = new LoadResources(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

async function main(): Promise<void> {
  resources.exitCleanlyOnSignals();
  for (const line of planLines(options)) process.stderr.write(`${line}\n`);
  const report: LoadReport = {
    recordedAt: new Date().toISOString(),
    machine: machineLine(),
    settings: { duration, warmup, warmupRequests, connections, poolMax },
    targets: [],
  };
  const { url } = options;
  if (url) {
    const stats = await liveStats(url);
    const run = await measure(url, stats.cache.enabled ? 'cache on' : 'cache off');
    report.targets.push({
      target: stats.database.dialect,
      title: `${url} (${stats.database.dialect}, DB_LATENCY_MS=${stats.database.addedLatencyMs})`,
      dbLatencyMs: stats.database.addedLatencyMs,
      runs: [run],
    });
  } else {
    const seeded = new SeededCatalogues();
    resources.addDisposer(() => seeded.dispose());
    try {
      for (const target of options.targets) report.targets.push(await runTarget(target, seeded));
    } finally {
      await seeded.dispose();
    }
  }
  console.log(
    `\nShop load: ${duration} s per run after ${warmupWords()}, ${connections} connections, ` +
      `PostgreSQL pool ${poolMax}; ${report.machine}\n`,
  );
  for (const target of report.targets) console.log(`${formatTable(target)}\n`);
  for (const target of report.targets) {
    const routes = formatRouteTable(target);
    if (routes) console.log(`${routes}\n`);
  }
  for (const target of report.targets) {
    const hot = formatHotKeys(target);
    if (hot) console.log(`${hot}\n`);
  }
  mkdirSync(dirname(LAST_LOAD_FILE), { recursive: true });
  writeFileSync(LAST_LOAD_FILE, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Recorded in ${LAST_LOAD_FILE} (the dashboard shows it).`);
}

async function runTarget(target: Target, seeded: SeededCatalogues): Promise<TargetResult> {
  const dbLatencyMs = target === 'postgres-latency' ? latencyMs : 0;
  const title =
    target === 'sqlite'
      ? 'SQLite (embedded, in the shop process)'
      : `PostgreSQL on this machine${dbLatencyMs ? `, DB_LATENCY_MS=${dbLatencyMs}` : ', no added latency'}`;
  const runs: RunResult[] = [];
  for (const disabled of [false, true]) {
    const database = await seeded.freshCopy(target === 'sqlite' ? 'sqlite' : 'postgres');
    try {
      runs.push(
        await runAgainstOwnShop(disabled, {
          ...database.env,
          DB_LATENCY_MS: String(dbLatencyMs),
          DB_POOL_MAX: String(poolMax),
        }),
      );
    } finally {
      await database.drop();
    }
  }
  return { target, title, dbLatencyMs, runs };
}

interface DatabaseCopy {
  env: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * One seeded catalogue per database kind, copied for every run (seeding once, copying in a
 * second); `dispose()` removes the templates and any copy not dropped yet.
 */
class SeededCatalogues {
  private readonly dir = mkdtempSync(join(tmpdir(), 'shop-load-'));
  private readonly tag = randomBytes(4).toString('hex');
  private sqliteTemplate?: string;
  private pgTemplate?: string;
  private copies = 0;
  private readonly undropped = new Set<DatabaseCopy>();

  async freshCopy(kind: 'sqlite' | 'postgres'): Promise<DatabaseCopy> {
    resources.assertRunning();
    const copy = this.track(await this.copy(kind));
    return {
      env: copy.env,
      drop: async () => {
        await copy.drop();
        this.undropped.delete(copy);
      },
    };
  }

  private track(copy: DatabaseCopy): DatabaseCopy {
    this.undropped.add(copy);
    return copy;
  }

  private async copy(kind: 'sqlite' | 'postgres'): Promise<DatabaseCopy> {
    const copy = ++this.copies;
    if (kind === 'sqlite') {
      this.sqliteTemplate ??= await this.seed({ SQLITE_FILE: join(this.dir, 'template.db') }).then(
        () => join(this.dir, 'template.db'),
      );
      const file = join(this.dir, `run-${copy}.db`);
      copyFileSync(this.sqliteTemplate, file);
      if (existsSync(`${this.sqliteTemplate}-wal`))
        copyFileSync(`${this.sqliteTemplate}-wal`, `${file}-wal`);
      return { env: { SQLITE_FILE: file }, drop: async () => rmSync(file, { force: true }) };
    }
    if (!this.pgTemplate) {
      const template = `shop_load_${this.tag}_template`;
      await admin(`CREATE DATABASE ${template}`);
      this.pgTemplate = template;
      await this.seed({ DATABASE_URL: databaseUrl(template) });
    }
    const name = `shop_load_${this.tag}_${copy}`;
    await admin(`CREATE DATABASE ${name} TEMPLATE ${this.pgTemplate}`);
    return {
      env: { DATABASE_URL: databaseUrl(name) },
      drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  }

  async dispose(): Promise<void> {
    for (const copy of [...this.undropped]) {
      await copy.drop();
      this.undropped.delete(copy);
    }
    if (this.pgTemplate) await admin(`DROP DATABASE IF EXISTS ${this.pgTemplate} WITH (FORCE)`);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Starts the shop once on the database (it seeds on first start) and stops it. */
  private async seed(env: Record<string, string>): Promise<void> {
    process.stderr.write(`seeding a catalogue in ${Object.values(env)[0]}...\n`);
    const started = Date.now();
    const { child, url, namespace } = await startShop({ ...env, CACHE_DISABLED: '1' });
    try {
      await waitUntilServing(url, child);
    } finally {
      await resources.stopShop(child);
      await resources.deleteNamespace(namespace);
    }
    process.stderr.write(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
}

async function runAgainstOwnShop(
  cacheDisabled: boolean,
  env: Record<string, string>,
): Promise<RunResult> {
  const label = cacheDisabled ? 'cache off' : 'cache on';
  const { child, url, namespace } = await startShop({
    ...env,
    CACHE_DISABLED: cacheDisabled ? '1' : '0',
  });
  try {
    await waitUntilServing(url, child);
    process.stderr.write(
      `\n${label}: shop started on ${url} (namespace ${namespace}, pid ${child.pid})\n`,
    );
    const result = await measure(url, label);
    await inFlightAnswered(url);
    return result;
  } finally {
    await resources.stopShop(child);
    await resources.deleteNamespace(namespace);
  }
}

async function startShop(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; namespace: string }> {
  const namespace = `load-${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  resources.assertRunning();
  const child = spawn(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'sample-app/src/main.ts'],
    {
      cwd: ROOT,
      env: {
        ...inherited,
        PORT: String(port),
        HOST: '127.0.0.1',
        CACHE_NAMESPACE: namespace,
        NO_COLOR: '1',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  resources.addShop(child, namespace);
  return { child, url: `http://127.0.0.1:${port}`, namespace };
}

async function measure(url: string, label: RunResult['label']): Promise<RunResult> {
  const traffic = new ShopTraffic();
  let sent = 0;
  if (warmup > 0) {
    announce(`${label}: warming up for ${warmup} s`);
    sent = (await cannon(url, traffic, { duration: warmup })).requests.total;
  }
  if (label === 'cache on' && sent < warmupRequests) {
    announce(`${label}: warming up for ${warmupRequests - sent} more requests`);
    await cannon(url, traffic, { amount: warmupRequests - sent });
  }
  announce(`${label}: measuring for ${duration} s with ${connections} connections`);
  const loadAverage = currentLoad();
  const before = await liveStats(url);
  const result = await cannon(url, traffic, { duration });
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
    databaseMs: after.database.busyMs - before.database.busyMs,
    lookups,
    hitRatio: lookups > 0 ? hits / lookups : null,
    loadAverage,
    routes: routeDeltas(before, after),
    // Older shops (without the library's hot keys in their stats) have none.
    ...(after.insight?.hotKeys.length ? { hotKeys: after.insight.hotKeys.slice(0, 10) } : {}),
  };
}

/** Says which phase starts (unless interrupted: then it throws, and the cleanup carries on). */
function announce(line: string): void {
  resources.assertRunning();
  process.stderr.write(`${line}\n`);
}

/** What each route did between two snapshots (older shops without per-route figures: none). */
function routeDeltas(before: LiveStats, after: LiveStats): RouteResult[] | undefined {
  if (!after.http.routes) return undefined;
  return Object.entries(after.http.routes).map(([route, now]) => {
    const then = before.http.routes?.[route];
    const cacheNow = after.cache.handlers[route];
    const cacheThen = before.cache.handlers[route];
    const hits = (cacheNow?.hits ?? 0) - (cacheThen?.hits ?? 0);
    const misses = (cacheNow?.misses ?? 0) - (cacheThen?.misses ?? 0);
    return {
      route,
      requests: now.requests - (then?.requests ?? 0),
      queries: now.queries - (then?.queries ?? 0),
      databaseMs: Math.round(now.databaseMs - (then?.databaseMs ?? 0)),
      lookups: hits + misses,
      hits,
    };
  });
}

/** The warm-up as the report's header states it. */
function warmupWords(): string {
  const requests = warmupRequests > 0 ? ` (cache on: ≥ ${warmupRequests} requests)` : '';
  return `${warmup} s warm-up${requests}`;
}

/** The shop's traffic for `duration` seconds, or `amount` requests. */
function cannon(
  url: string,
  traffic: ShopTraffic,
  length: { duration: number } | { amount: number },
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        ...length,
        requests: [{ setupRequest: (request) => ({ ...request, ...traffic.next() }) }],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.once('done', resources.addTraffic(instance));
  });
}

function databaseUrl(name: string): string {
  const url = new URL(pgAdminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgAdminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function liveStats(url: string): Promise<LiveStats> {
  const response = await fetch(`${url}/dashboard/data`);
  if (!response.ok) throw new Error(`${url}/dashboard/data answered ${response.status}`);
  return (await response.json()) as LiveStats;
}

/**
 * Waits until the requests autocannon left in flight when it stopped are answered (the count of
 * answered requests stops moving), so that stopping the shop does not fail them midway.
 */
async function inFlightAnswered(url: string): Promise<void> {
  let answered = -1;
  for (let poll = 0; poll < 50; poll++) {
    const now = (await liveStats(url)).http.requests;
    if (now === answered) return;
    answered = now;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function waitUntilServing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the shop exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/dashboard/data`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the shop did not answer on ${url} within 180 s`);
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

await main().catch((error: unknown) => {
  // Interrupted: the run's own steps fail as their shop goes away; the cleanup exits.
  if (resources.interrupted) return new Promise<never>(() => {});
  throw error;
});
