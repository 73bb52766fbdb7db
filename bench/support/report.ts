// Collects the results of a run: prints one table per scenario (ops/s, p50/p99 latency and the
// ratio of this library to each row), checks the targets, and writes the whole run as
// JSON under bench/results/.
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface Row {
  name: string;
  opsPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Other columns (bytes per entry, origin calls, ms...). */
  extra?: Record<string, string | number>;
  /** Every round's ops/s, when the row is a median of rounds. */
  rounds?: number[];
}

export interface Table {
  scenario: string;
  title: string;
  /** The row this library's ratio is computed against others from (`lib/this` column). */
  baseline?: string;
  rows: Row[];
  notes: string[];
}

export interface TargetCheck {
  target: string;
  measured: number;
  threshold: number;
  /** 'min': measured ≥ threshold; 'max': measured ≤ threshold. */
  bound: 'min' | 'max';
  /** Printed after the number instead of 'x' (a count, not a ratio). */
  unit?: string;
  met: boolean;
}

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export class Report {
  readonly tables: Table[] = [];
  readonly targets: TargetCheck[] = [];
  readonly unavailable: { scenario: string; reason: string }[] = [];
  private readonly startedAt = new Date();

  constructor(
    private readonly quick: boolean,
    /** Only some scenarios were run (--only). */
    private readonly partial = false,
  ) {}

  table(table: Omit<Table, 'notes'> & { notes?: string[] }): void {
    const complete = { ...table, notes: table.notes ?? [] };
    this.tables.push(complete);
    printTable(complete);
  }

  /** Records a ratio against the target (e.g. library ÷ ioredis ≥ 1.0). */
  target(
    target: string,
    measured: number,
    threshold: number,
    bound: 'min' | 'max' = 'min',
    unit?: string,
  ): void {
    const met = bound === 'min' ? measured >= threshold : measured <= threshold;
    const check = { target, measured, threshold, bound, met, unit };
    this.targets.push(check);
    console.log(`  target ${describeTarget(check)}`);
  }

  notAvailable(scenario: string, reason: string): void {
    this.unavailable.push({ scenario, reason });
    console.log(`\n== ${scenario}: not available yet — ${reason}`);
  }

  printTargets(): void {
    if (this.targets.length === 0) return;
    console.log('\n== Targets (ratios taken in this run)');
    for (const t of this.targets) console.log(`  ${describeTarget(t)}`);
  }

  write(): string {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const stamp = this.startedAt.toISOString().replace(/[:.]/g, '-');
    // Quick and partial (--only) runs are smoke tests and probes: *.tmp.json is git-ignored.
    const suffix = this.quick ? '-quick.tmp' : this.partial ? '-partial.tmp' : '';
    const file = `${RESULTS_DIR}${stamp}${suffix}.json`;
    const run = {
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      quick: this.quick,
      command: `node ${process.execArgv.join(' ')} ${process.argv.slice(1).join(' ')}`,
      machine: machine(),
      versions: versions(),
      tables: this.tables,
      targets: this.targets,
      unavailable: this.unavailable,
    };
    writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
    return file;
  }
}

/** ops/s of a row by name (throws if the row is missing: a typo must not pass silently). */
export function opsOf(table: Table, name: string): number {
  const row = table.rows.find((r) => r.name === name);
  if (!row?.opsPerSec) throw new Error(`no row "${name}" with ops/s in "${table.title}"`);
  return row.opsPerSec;
}

export function describeTarget(t: TargetCheck): string {
  const want = `${t.bound === 'min' ? '≥' : '≤'} ${t.threshold}`;
  const measured = t.unit ? `${t.measured} ${t.unit}` : fmtRatio(t.measured);
  return `${t.met ? 'met   ' : 'MISSED'} ${t.target}: ${measured} (want ${want})`;
}

/** The header and the cells of each row, as both the console and the markdown table show them. */
function tableCells(table: Table): { header: string[]; rows: string[][]; hasRatio: boolean } {
  const base = table.baseline ? table.rows.find((r) => r.name === table.baseline) : undefined;
  const extraColumns = [...new Set(table.rows.flatMap((r) => Object.keys(r.extra ?? {})))];
  const hasOps = table.rows.some((r) => r.opsPerSec !== undefined);
  const header = ['contender'];
  if (hasOps) header.push('ops/s', 'p50 ms', 'p99 ms');
  if (base?.opsPerSec) header.push('lib/this');
  header.push(...extraColumns);
  const rows = table.rows.map((row) => {
    const cells = [row.name];
    if (hasOps) cells.push(fmtOps(row.opsPerSec), fmtMs(row.p50Ms), fmtMs(row.p99Ms));
    if (base?.opsPerSec) cells.push(row.opsPerSec ? fmtRatio(base.opsPerSec / row.opsPerSec) : '-');
    for (const column of extraColumns) cells.push(String(row.extra?.[column] ?? '-'));
    return cells;
  });
  return { header, rows, hasRatio: !!base?.opsPerSec };
}

function printTable(table: Table): void {
  const { header, rows: lines, hasRatio } = tableCells(table);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n== ${table.title}`);
  console.log(render(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(render(line));
  if (hasRatio)
    console.log(
      `(lib/this = ${table.baseline} ops/s ÷ the row's ops/s; ≥ 1 means the library is faster)`,
    );
  for (const note of table.notes) console.log(`note: ${note}`);
}

/** The table as BENCHMARKS.md shows it: the console's columns plus every round's ops/s. */
export function markdownTable(table: Table): string {
  const { header, rows } = tableCells(table);
  if (table.rows.some((row) => row.rounds && row.rounds.length > 1)) {
    header.push('ops/s per round');
    rows.forEach((cells, i) =>
      cells.push(table.rows[i].rounds?.map((ops) => fmtOps(ops)).join(' · ') ?? '-'),
    );
  }
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ].join('\n');
}

function fmtOps(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  return Math.round(value).toLocaleString('en-US');
}

export function fmtMs(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  return value < 10 ? value.toFixed(3) : value.toFixed(1);
}

function fmtRatio(value: number): string {
  return `${value.toFixed(2)}x`;
}

function machine(): Record<string, string | number> {
  const run = (command: string) => {
    try {
      return execSync(command, { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis: run('redis-server --version'),
    load: run('cat /proc/loadavg'),
  };
}

function versions(): Record<string, string> {
  const names = [
    'ioredis',
    'redis',
    'cache-manager',
    'keyv',
    '@keyv/redis',
    '@nestjs/cache-manager',
    '@nestjs/core',
    '@nestjs/platform-express',
    '@nestjs/platform-fastify',
    'tinybench',
    'autocannon',
  ];
  const found: Record<string, string> = {};
  for (const name of names) {
    try {
      const pkg = readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8');
      found[name] = (JSON.parse(pkg) as { version: string }).version;
    } catch {
      found[name] = 'unknown';
    }
  }
  return found;
}
