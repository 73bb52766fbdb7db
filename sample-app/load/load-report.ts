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
  settings: { duration: number; warmup: number; connections: number; poolMax: number };
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
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i].length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  const separator = `|${widths.map((width, i) => (i === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [`${target.title}:`, '', line(header), separator, ...body.map(line)].join('\n');
}

function times(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a';
}
