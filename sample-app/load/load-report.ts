// What `npm run load` measured, as it prints it (a table per database: cache on and off side by
// side, with the ratio) and as it records it (JSON in sample-app/data/last-load.json, which the
// dashboard shows under "last npm run load").
import { cpus, loadavg, totalmem } from 'node:os';

export interface RunResult {
  label: 'cache on' | 'cache off';
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  unexpected: number;
  queries: number;
  /** Milliseconds the shop spent in database queries (pool waits included), summed. */
  databaseMs: number;
  lookups: number;
  hitRatio: number | null;
  /** The 1-minute load average when the run started: other work on the machine. */
  loadAverage: number;
  /** Per route (and the write-behind worker): where the requests and the queries went. */
  routes?: RouteResult[];
  /** The most read cache keys at the end of the run (the library's stats().hotKeys). */
  hotKeys?: { key: string; reads: number; hitRatio: number }[];
}

export interface RouteResult {
  /** The handler (`ProductsController#findOne`), or the background worker. */
  route: string;
  requests: number;
  queries: number;
  databaseMs: number;
  /** Cache lookups the route's requests made (hits + misses), and their hits. */
  lookups: number;
  hits: number;
}

export interface TargetResult {
  /** `sqlite`, `postgres` or `postgres-latency`. */
  target: string;
  /** What the table is titled with: the database and DB_LATENCY_MS. */
  title: string;
  dbLatencyMs: number;
  runs: RunResult[];
}

export interface LoadReport {
  recordedAt: string;
  machine: string;
  settings: {
    duration: number;
    warmup: number;
    /** Requests the warm-up sent at least with the cache on (absent in older reports). */
    warmupRequests?: number;
    connections: number;
    poolMax: number;
  };
  targets: TargetResult[];
}

export function machineLine(): string {
  const cpu = cpus();
  return (
    `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
  );
}

export function currentLoad(): number {
  return Math.round(loadavg()[0] * 10) / 10;
}

export function formatTable(target: TargetResult): string {
  const runs = target.runs;
  const on = runs.find((run) => run.label === 'cache on');
  const off = runs.find((run) => run.label === 'cache off');
  const perRequest = (run: RunResult, value: number) => value / Math.max(1, run.requests);
  const rows: [
    string,
    (run: RunResult) => string,
    ratio?: (on: RunResult, off: RunResult) => string,
  ][] = [
    [
      'requests/s',
      (run) => run.requestsPerSecond.toFixed(0),
      (a, b) => times(a.requestsPerSecond / b.requestsPerSecond),
    ],
    ['latency p50', (run) => `${run.p50.toFixed(1)} ms`, (a, b) => times(a.p50 / b.p50)],
    ['latency p99', (run) => `${run.p99.toFixed(1)} ms`, (a, b) => times(a.p99 / b.p99)],
    ['requests', (run) => String(run.requests)],
    [
      'database queries per request',
      (run) => perRequest(run, run.queries).toFixed(2),
      (a, b) => times(perRequest(a, a.queries) / perRequest(b, b.queries)),
    ],
    [
      'database time per request',
      (run) => `${perRequest(run, run.databaseMs).toFixed(2)} ms`,
      (a, b) => times(perRequest(a, a.databaseMs) / perRequest(b, b.databaseMs)),
    ],
    [
      'cache hit ratio',
      (run) => (run.hitRatio === null ? 'n/a' : `${(run.hitRatio * 100).toFixed(1)}%`),
    ],
    ['unexpected responses', (run) => String(run.unexpected)],
    ['load average at start', (run) => run.loadAverage.toFixed(1)],
  ];
  const withRatio = on !== undefined && off !== undefined;
  const header = ['', ...runs.map((run) => run.label), ...(withRatio ? ['on / off'] : [])];
  const body = rows.map(([name, cell, ratio]) => [
    name,
    ...runs.map(cell),
    ...(withRatio ? [ratio ? ratio(on, off) : ''] : []),
  ]);
  return [`${target.title}:`, '', ...markdownTable(header, body)].join('\n');
}

/** A Markdown table, first column left-aligned, the others right-aligned. */
function markdownTable(header: string[], body: string[][]): string[] {
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i].length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  const separator = `|${widths.map((width, i) => (i === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(header), separator, ...body.map(line)];
}

function times(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a';
}

/**
 * Where the database queries per request come from, route by route: its share of the requests,
 * its hit ratio, the queries one of its requests sends (cache on and off), and what it adds to the
 * queries per request of the whole run (share x queries per request of the route).
 */
/** The hottest keys of the cache-on run, as the library estimated them, hottest first. */
export function formatHotKeys(target: TargetResult, count = 5): string | undefined {
  const on = target.runs.find((run) => run.label === 'cache on');
  if (!on?.hotKeys?.length) return undefined;
  const rows = on.hotKeys
    .slice(0, count)
    .map(
      ({ key, reads, hitRatio }, i) =>
        `  ${i + 1}. ${key}  ${Math.round(reads)} reads, ${(hitRatio * 100).toFixed(1)}% hits`,
    );
  return [`Top hot keys (cache on, ${target.title}):`, ...rows].join('\n');
}

export function formatRouteTable(target: TargetResult): string | undefined {
  const on = target.runs.find((run) => run.label === 'cache on');
  const off = target.runs.find((run) => run.label === 'cache off');
  if (!on?.routes) return undefined;
  const offRoutes = new Map((off?.routes ?? []).map((route) => [route.route, route]));
  const rows = [...on.routes]
    .filter((route) => route.requests > 0 || route.queries > 0)
    .sort((a, b) => b.queries - a.queries);
  const perRequest = (queries: number, requests: number) =>
    requests > 0 ? (queries / requests).toFixed(2) : '-';
  const header = [
    'route (cache on)',
    'share',
    'hit ratio',
    'queries / its request',
    'cache off',
    'queries / request (all)',
  ];
  const body = rows.map((route) => {
    const offRoute = offRoutes.get(route.route);
    return [
      route.route,
      route.requests > 0 ? `${((route.requests / on.requests) * 100).toFixed(1)}%` : '-',
      route.lookups > 0 ? `${((route.hits / route.lookups) * 100).toFixed(1)}%` : '-',
      perRequest(route.queries, route.requests),
      offRoute ? perRequest(offRoute.queries, offRoute.requests) : '-',
      (route.queries / Math.max(1, on.requests)).toFixed(3),
    ];
  });
  const total = on.routes.reduce((sum, route) => sum + route.queries, 0);
  body.push(['total', '100%', '', '', '', (total / Math.max(1, on.requests)).toFixed(3)]);
  return [
    `Where the queries come from (${target.title}):`,
    '',
    ...markdownTable(header, body),
  ].join('\n');
}
