// What `npm run load` was asked to do: its command line (with the --quick preset and --help)
// turned into checked settings, and the usage text --help prints.
import { parseArgs } from 'node:util';

const TARGETS = ['sqlite', 'postgres', 'postgres-latency'] as const;
export type Target = (typeof TARGETS)[number];

export interface LoadOptions {
  /** Seconds measured per run. */
  duration: number;
  /** Seconds of warm-up traffic before each measurement (0: none). */
  warmup: number;
  /** Requests the warm-up sends at least with the cache on (0: the seconds alone). */
  warmupRequests: number;
  connections: number;
  latencyMs: number;
  poolMax: number;
  pgAdminUrl: string;
  /** The databases to run against, one after the other (empty with `url`). */
  targets: Target[];
  /** A shop already running, measured once (no databases or namespaces of ours). */
  url?: string;
  quick: boolean;
}

/** The full measurement, and the smoke check --quick runs instead (~30 s on SQLite). */
const FULL = { duration: 20, warmup: 60, warmupRequests: 100_000 };
const QUICK = { duration: 5, warmup: 3, warmupRequests: 0 };

export const USAGE = `npm run load -- [options]

Starts the shop on a fresh copy of a seeded catalogue, drives a shop's traffic with the cache on,
then off, and prints both side by side. Ctrl-C stops it: the shops it started are stopped and their
Redis keys and databases removed.

  --quick                 a smoke check of ~30 s: --duration ${QUICK.duration} --warmup ${QUICK.warmup} --warmup-requests ${QUICK.warmupRequests}
                          (options given with it win)
  --db <names>            sqlite | postgres | postgres-latency | all, comma-separated
                          (default: postgres with DATABASE_URL, else sqlite)
  --duration <s>          seconds measured per run (${FULL.duration})
  --warmup <s>            seconds of warm-up traffic before each run (${FULL.warmup})
  --warmup-requests <n>   with the cache on, warm up for at least this many requests (${FULL.warmupRequests})
  --connections <n>       concurrent connections (16)
  --latency <ms>          DB_LATENCY_MS of postgres-latency (1)
  --pool <n>              PostgreSQL pool size (10)
  --pg-url <url>          PostgreSQL server for the throwaway databases
                          (default: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
  --url <url>             measure a shop already running, once, in whatever mode it runs
  -h, --help              this text
Redis: REDIS_URL (default redis://127.0.0.1:6379).`;

/** The settings of `argv`, or 'help' when asked for the usage. Throws on a bad value. */
export function parseLoadOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): LoadOptions | 'help' {
  const { values: args } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'warmup-requests': { type: 'string' },
      connections: { type: 'string', default: '16' },
      db: { type: 'string' },
      latency: { type: 'string', default: '1' },
      pool: { type: 'string', default: '10' },
      'pg-url': { type: 'string' },
      url: { type: 'string' },
    },
  });
  if (args.help) return 'help';
  const preset = args.quick ? QUICK : FULL;
  return {
    duration: positive(args.duration ?? String(preset.duration), 'duration'),
    warmup: wholeNumber(args.warmup ?? String(preset.warmup), 'warmup'),
    warmupRequests: wholeNumber(
      args['warmup-requests'] ?? String(preset.warmupRequests),
      'warmup-requests',
    ),
    connections: positive(args.connections, 'connections'),
    latencyMs: positive(args.latency, 'latency'),
    poolMax: positive(args.pool, 'pool'),
    pgAdminUrl: args['pg-url'] ?? env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    targets: args.url ? [] : parseTargets(args.db ?? (env.DATABASE_URL ? 'postgres' : 'sqlite')),
    url: args.url,
    quick: args.quick,
  };
}

function parseTargets(raw: string): Target[] {
  if (raw === 'all') return [...TARGETS];
  const targets = raw.split(',').map((name) => name.trim());
  for (const name of targets)
    if (!(TARGETS as readonly string[]).includes(name))
      throw new Error(`--db takes ${TARGETS.join(', ')} or all (comma-separated), got "${name}"`);
  return targets as Target[];
}

function wholeNumber(raw: string | undefined, name: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${name} must be a whole number (0 for none), got ${raw}`);
  return value;
}

function positive(raw: string | undefined, name: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return value;
}
