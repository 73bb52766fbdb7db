// What every scenario receives, and the shared loop of the in-process scenarios: each contender
// measured once per round, in a rotating order (so none always runs first, on a cold CPU, or
// last), and the median of the rounds reported.
import type { BenchConfig } from './config.js';
import type { BenchRedis } from './bench-redis.js';
import { measure, median } from './measure.js';
import type { Report, Row } from './report.js';

export interface BenchContext {
  config: BenchConfig;
  redis: BenchRedis;
  report: Report;
}

export interface Case {
  name: string;
  /** One operation; called concurrently by `concurrency` callers. */
  run: () => Promise<unknown>;
  /** Runs before each measurement of this case (e.g. FLUSHALL for miss paths). */
  before?: () => Promise<void>;
}

export async function measureCases(
  context: BenchContext,
  cases: Case[],
  concurrency: number,
): Promise<Row[]> {
  const { rounds, caseTimeMs, warmupMs } = context.config;
  const results = new Map<string, { ops: number[]; p50: number[]; p99: number[] }>(
    cases.map((c) => [c.name, { ops: [], p50: [], p99: [] }]),
  );
  for (let round = 0; round < rounds; round++) {
    const order = cases.map((_, i) => cases[(i + round) % cases.length]);
    for (const current of order) {
      await current.before?.();
      const measured = await measure(current.run, { concurrency, timeMs: caseTimeMs, warmupMs });
      const entry = results.get(current.name)!;
      entry.ops.push(measured.opsPerSec);
      entry.p50.push(measured.p50Ms);
      entry.p99.push(measured.p99Ms);
    }
  }
  return cases.map((c) => {
    const entry = results.get(c.name)!;
    return {
      name: c.name,
      opsPerSec: median(entry.ops),
      p50Ms: median(entry.p50),
      p99Ms: median(entry.p99),
      rounds: entry.ops.map(Math.round),
    };
  });
}
