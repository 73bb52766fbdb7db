// Redis's own ceiling on this machine, for context: redis-benchmark GET/SET of 1 KB values
// against the benchmark's server, without and with pipelining (-P 16).
import { spawnSync } from 'node:child_process';
import type { BenchContext } from '../support/context.js';
import type { Row } from '../support/report.js';

export async function redisCeiling(context: BenchContext): Promise<void> {
  const { config, redis, report } = context;
  await redis.flush();
  const rows: Row[] = [];
  for (const pipeline of [1, 16]) {
    const args = [
      '-h',
      '127.0.0.1',
      '-p',
      String(redis.port),
      '-t',
      'get,set',
      '-d',
      '1024',
      '-n',
      String(config.ceilingRequests),
      '-q',
    ];
    if (pipeline > 1) args.push('-P', String(pipeline));
    const run = spawnSync('redis-benchmark', args, { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`redis-benchmark failed: ${run.stderr}`);
    // Lines like "SET: 98039.22 requests per second, p50=0.255 msec" (carriage returns between updates).
    for (const line of run.stdout.split(/[\r\n]+/)) {
      const match = /^(GET|SET): ([\d.]+) requests per second(?:, p50=([\d.]+) msec)?/.exec(
        line.trim(),
      );
      if (match)
        rows.push({
          name: `redis-benchmark ${match[1]} -d 1024${pipeline > 1 ? ` -P ${pipeline}` : ''}`,
          opsPerSec: Number(match[2]),
          p50Ms: match[3] ? Number(match[3]) : undefined,
        });
    }
  }
  report.table({
    scenario: 'ceiling',
    title: `Redis's own ceiling: redis-benchmark -t get,set -d 1024 -n ${config.ceilingRequests} (50 clients)`,
    rows,
    notes: ['context only: a cache library on one Node process cannot reach this'],
  });
}
