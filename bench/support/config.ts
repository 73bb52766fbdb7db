// Run settings: `npm run bench` (full counts) or `npm run bench:quick` (same scenarios, small
// counts, a smoke test of the harness in under a minute). `--only=hit,miss` picks scenarios.

export interface BenchConfig {
  quick: boolean;
  /** Scenario names to run; empty = all. */
  only: string[];
  /** In-process cases: measured rounds (interleaved across contenders); the median is reported. */
  rounds: number;
  /** In-process cases: measuring time of one case in one round, ms. */
  caseTimeMs: number;
  /** In-process cases: warm-up time of one case in one round, ms. */
  warmupMs: number;
  /** Keys read in the hit path (round robin, so concurrent callers read different keys). */
  hitKeys: number;
  /** HTTP: autocannon rounds per route, seconds per round, connections. */
  httpRounds: number;
  httpSeconds: number;
  httpConnections: number;
  /** Nest HTTP adapters the same-process HTTP diagnosis runs on. */
  httpAdapters: HttpAdapter[];
  /** Nest HTTP adapters of the HTTP scenario (one process per contender). */
  httpProcessAdapters: HttpAdapter[];
  /** Node majors the HTTP scenario's apps run on (this process's and 24). */
  httpNodes: number[];
  /** The HTTP scenario's contenders (CONTENDER names of http-contender-app.ts); empty = all. */
  httpContenders: string[];
  /** HTTP: keep the library the previous run packed and installed (no pack, no build). */
  reusePack: boolean;
  /** Tag invalidation: entries on one tag. */
  tagSizes: number[];
  tagRepeats: number;
  /** Memory: entries written per contender. */
  memoryEntries: number;
  /** Stampede: callers in total across the processes, rounds. */
  stampedeCallers: number;
  stampedeProcesses: number;
  stampedeRounds: number;
  /** redis-benchmark requests per run. */
  ceilingRequests: number;
}

type HttpAdapter = 'express' | 'fastify';

export function readConfig(argv: string[]): BenchConfig {
  const quick = argv.includes('--quick');
  const only = (argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length) ?? '')
    .split(',')
    .filter(Boolean);
  const roundsArg = argv.find((arg) => arg.startsWith('--rounds='));
  const base: BenchConfig = quick
    ? {
        quick,
        only,
        rounds: 1,
        caseTimeMs: 80,
        warmupMs: 20,
        hitKeys: 500,
        httpRounds: 1,
        httpSeconds: 0.6,
        httpConnections: 50,
        httpAdapters: ['express', 'fastify'],
        httpProcessAdapters: ['express'],
        httpNodes: [20, 24],
        httpContenders: [],
        reusePack: false,
        tagSizes: [100, 1_000, 10_000],
        tagRepeats: 1,
        memoryEntries: 200,
        stampedeCallers: 200,
        stampedeProcesses: 4,
        stampedeRounds: 1,
        ceilingRequests: 10_000,
      }
    : {
        quick,
        only,
        // Five short rounds rather than three long ones: a lone caller's round trip is bimodal on
        // a shared VM (whether Node and Redis get the same core), and a median of five holds.
        rounds: 5,
        caseTimeMs: 600,
        warmupMs: 200,
        hitKeys: 500,
        httpRounds: 5,
        httpSeconds: 2,
        httpConnections: 50,
        httpAdapters: ['express', 'fastify'],
        httpProcessAdapters: ['express'],
        httpNodes: [20, 24],
        httpContenders: [],
        reusePack: false,
        tagSizes: [1_000, 10_000, 100_000],
        tagRepeats: 3,
        memoryEntries: 2_000,
        stampedeCallers: 1_000,
        stampedeProcesses: 4,
        stampedeRounds: 3,
        ceilingRequests: 200_000,
      };
  if (roundsArg) base.rounds = Number(roundsArg.slice('--rounds='.length));
  // Shorter HTTP runs for A/B checks: --http-rounds=3 --http-seconds=1 (--adapters=fastify).
  const value = (name: string) =>
    argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (value('http-rounds')) base.httpRounds = Number(value('http-rounds'));
  if (value('http-seconds')) base.httpSeconds = Number(value('http-seconds'));
  if (value('adapters'))
    base.httpAdapters = base.httpProcessAdapters = value('adapters')!.split(',') as HttpAdapter[];
  // --node=24: the HTTP scenario's apps on Node 24 only (default: 20 and 24, interleaved).
  if (value('node')) base.httpNodes = value('node')!.split(',').map(Number);
  // --contenders=recommended,cache-manager: an A/B of some apps (targets need every contender).
  if (value('contenders')) base.httpContenders = value('contenders')!.split(',');
  base.reusePack = argv.includes('--reuse-pack');
  return base;
}

export function wanted(config: BenchConfig, scenario: string): boolean {
  return config.only.length === 0 || config.only.includes(scenario);
}
