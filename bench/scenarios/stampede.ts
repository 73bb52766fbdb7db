// Scenario 4: a stampede. N callers spread over 4 processes ask for one cold key at once; the
// origin takes 100 ms. Counts origin calls (the target: exactly one) and the time until every
// caller has its value. The processes (bench/fixtures/stampede-worker.ts) host every contender.
import { NodeChild } from '../../test/support/child-process.js';
import type { BenchContext } from '../support/context.js';
import { median } from '../support/measure.js';
import type { Row } from '../support/report.js';

const CONTENDERS: { name: string; id: string }[] = [
  { name: 'this library getOrSet (lock on, default)', id: 'lib' },
  { name: 'this library getOrSet, lock: false', id: 'lib-nolock' },
  { name: 'bentocache getOrSet (Redis L2)', id: 'bento' },
  { name: 'ioredis by hand (no protection)', id: 'ioredis' },
];

export async function stampede(context: BenchContext): Promise<void> {
  const { config, redis, report } = context;
  await redis.flush();
  const perProcess = Math.ceil(config.stampedeCallers / config.stampedeProcesses);
  const rows: Row[] = [];
  let libCalls: number[] = [];
  const children = Array.from({ length: config.stampedeProcesses }, () =>
    NodeChild.start('bench/fixtures/stampede-worker.ts', {
      REDIS_URL: redis.url,
      CONTENDERS: CONTENDERS.map((c) => c.id).join(','),
      CALLERS: String(perProcess),
    }),
  );
  try {
    await Promise.all(children.map((child) => child.waitFor('ready', 120_000)));
    for (const contender of CONTENDERS) {
      const calls: number[] = [];
      const times: number[] = [];
      let failed = 0;
      for (let round = 0; round < config.stampedeRounds; round++) {
        const key = `stampede:${contender.id}:${round}`;
        const done = children.map((child) => child.waitFor('done', 60_000, (m) => m.key === key));
        for (const child of children) child.send({ type: 'go', key, contender: contender.id });
        const results = await Promise.all(done);
        times.push(Math.max(...results.map((r) => r.ms as number)));
        failed += results.reduce((sum, r) => sum + (r.failed as number), 0);
        calls.push(Number((await redis.admin.get(`origin:${key}`)) ?? 0));
      }
      if (contender.id === 'lib') libCalls = calls;
      rows.push({
        name: contender.name,
        extra: {
          'origin calls (per round)': calls.join(', '),
          'completion ms (median)': Math.round(median(times)),
          'failed callers': failed,
        },
      });
    }
  } finally {
    await Promise.all(children.map((child) => child.kill('SIGKILL')));
  }
  report.table({
    scenario: 'stampede',
    title: `4. Stampede: ${perProcess * config.stampedeProcesses} callers over ${config.stampedeProcesses} processes on one cold key (origin takes 100 ms), ${config.stampedeRounds} round(s)`,
    rows,
  });
  // Target: exactly one origin call; recorded as "most origin calls in a round" ≤ 1.
  const worst = Math.max(...libCalls);
  report.target('stampede: lib origin calls in the worst round', worst, 1, 'max', 'call(s)');
}
