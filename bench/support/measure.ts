// Measures one in-process case with tinybench: `concurrency` callers keep `fn` running for a
// fixed time. Throughput is completed calls over wall-clock time (tinybench's own throughput is
// per caller, which hides concurrency); latency percentiles are tinybench's, per call.
import { performance } from 'node:perf_hooks';
import { Bench } from 'tinybench';

export interface Measurement {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  calls: number;
}

export interface MeasureOptions {
  concurrency: number;
  timeMs: number;
  warmupMs: number;
}

export async function measure(
  fn: () => Promise<unknown>,
  { concurrency, timeMs, warmupMs }: MeasureOptions,
): Promise<Measurement> {
  if (warmupMs > 0) await runBench(fn, concurrency, warmupMs);
  const started = performance.now();
  const result = await runBench(fn, concurrency, timeMs);
  const elapsedMs = performance.now() - started;
  return {
    opsPerSec: (result.calls / elapsedMs) * 1000,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    calls: result.calls,
  };
}

async function runBench(
  fn: () => Promise<unknown>,
  concurrency: number,
  timeMs: number,
): Promise<{ calls: number; p50Ms: number; p99Ms: number }> {
  const bench = new Bench({
    time: timeMs,
    warmup: false,
    throws: true,
    ...(concurrency > 1
      ? { concurrency: 'task' as const, threshold: concurrency, iterations: 0 }
      : { iterations: 1 }),
  });
  bench.add('case', fn, { async: true });
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed')
    throw new Error(`benchmark case ended in state ${result.state}`, {
      cause: 'error' in result ? result.error : undefined,
    });
  return {
    calls: result.latency.samplesCount,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
