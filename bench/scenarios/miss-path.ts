// Scenario 2: the miss path. 100 concurrent callers each ask for a key nobody cached yet, so every
// call is a GET that misses, the computation (a ready value: only the cache's own work is
// measured) and a SET with a TTL.
import {
  bentoContender,
  cacheManagerContender,
  ioredisContender,
  libContender,
  nodeRedisContender,
  type Contender,
} from '../support/contenders.js';
import { measureCases, type BenchContext, type Case } from '../support/context.js';
import { opsOf, type Table } from '../support/report.js';
import { makeValue } from '../support/values.js';

const LIB = 'this library getOrSet';
const IOREDIS = 'ioredis GET+SET by hand';

export async function missPath(context: BenchContext): Promise<void> {
  const { redis, report } = context;
  await redis.flush();
  const contenders: Contender[] = [
    await libContender(LIB, redis),
    await libContender('lib, enableAutoPipelining on', redis, { enableAutoPipelining: true }),
    await libContender('lib, lock: false', redis, { call: { lock: false } }),
    ioredisContender(IOREDIS, redis, false),
    ioredisContender('ioredis by hand, autoPipelining', redis, true),
    await nodeRedisContender('node-redis by hand', redis),
    cacheManagerContender('cache-manager wrap (@keyv/redis)', redis, 'wrap'),
    await bentoContender('bentocache getOrSet (Redis L2)', redis),
  ];
  const value = makeValue(1024);
  const compute = () => value;
  let generation = 0;
  const cases: Case[] = contenders.map((contender) => {
    let next = 0;
    return {
      name: contender.name,
      // Fresh keys each measurement; earlier ones are removed so memory does not pile up.
      before: async () => {
        generation++;
        await redis.unlinkMatching('*miss:*');
      },
      run: () => contender.getOrSet(`miss:${generation}:${next++}`, compute),
    };
  });
  const rows = await measureCases(context, cases, 100);
  const table: Table = {
    scenario: 'miss',
    title: '2. Miss path (GET miss, compute, SET with TTL), 1 KB values, 100 concurrent callers',
    baseline: LIB,
    rows,
    notes: [],
  };
  report.table(table);
  report.target(
    'miss 1 KB x100: lib ÷ ioredis GET+SET by hand',
    opsOf(table, LIB) / opsOf(table, IOREDIS),
    1.0,
  );
  for (const contender of contenders) await contender.close();
}
