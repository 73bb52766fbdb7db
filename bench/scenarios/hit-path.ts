// Scenario 1: the hit path. 500 keys already cached; one lone sequential caller, then 100
// concurrent callers reading them round robin (so concurrent callers read different keys and
// this library's in-process single flight does not help it), with 1 KB and 50 KB values.
import {
  bentoContender,
  cacheManagerContender,
  ioredisContender,
  libContender,
  libGetContender,
  nodeRedisContender,
  type Contender,
} from '../support/contenders.js';
import { measureCases, type BenchContext, type Case } from '../support/context.js';
import { opsOf, type Table } from '../support/report.js';
import { kib, makeValue } from '../support/values.js';
import { cacheableContender } from './cacheable-contender.js';

const LIB = 'this library getOrSet';
const IOREDIS = 'ioredis by hand';
const LIB_GET = 'this library get';

export async function hitPath(context: BenchContext): Promise<void> {
  const { redis, report, config } = context;
  for (const size of [1024, 50 * 1024]) {
    await redis.flush();
    const contenders = await hitContenders(context);
    const keys = Array.from({ length: config.hitKeys }, (_, i) => `item:${i}`);
    const value = makeValue(size);
    for (const contender of contenders) await contender.fill(keys, value);
    let factoryCalls = 0;
    const neverOnHit = () => {
      factoryCalls++;
      return value;
    };
    for (const concurrency of [1, 100]) {
      const cases: Case[] = contenders.map((contender) => {
        let next = 0;
        return {
          name: contender.name,
          run: () => contender.getOrSet(keys[next++ % keys.length], neverOnHit),
        };
      });
      factoryCalls = 0;
      const rows = await measureCases(context, cases, concurrency);
      const table: Table = {
        scenario: 'hit',
        title: `1. Hit path, ${kib(size)} values, ${config.hitKeys} keys, ${concurrency === 1 ? 'one sequential caller' : `${concurrency} concurrent callers`}`,
        baseline: LIB,
        rows,
        notes:
          factoryCalls > 0
            ? [`${factoryCalls} factory calls on a hit path: a contender missed`]
            : [],
      };
      report.table(table);
      if (size === 1024) hitTargets(context, table, concurrency);
      // A hit is a hit: getOrSet (what @Cacheable uses) must cost what get costs.
      report.target(
        `hit ${kib(size)} ${concurrency === 1 ? 'sequential' : `x${concurrency}`}: lib getOrSet ÷ lib get`,
        opsOf(table, LIB) / opsOf(table, LIB_GET),
        0.95,
      );
    }
    for (const contender of contenders) await contender.close();
  }
}

async function hitContenders(context: BenchContext): Promise<Contender[]> {
  const { redis } = context;
  const contenders: Contender[] = [
    await libContender(LIB, redis),
    await libGetContender(LIB_GET, redis),
    await libContender('lib, enableAutoPipelining on', redis, { enableAutoPipelining: true }),
    await libContender('lib, 1 tag', redis, { tags: ['orders'] }),
    ioredisContender(IOREDIS, redis, false),
    ioredisContender('ioredis by hand, autoPipelining', redis, true),
    await nodeRedisContender('node-redis by hand', redis),
    cacheManagerContender('cache-manager get (@keyv/redis)', redis, 'get'),
    cacheManagerContender('cache-manager wrap (@keyv/redis)', redis, 'wrap'),
    await bentoContender('bentocache getOrSet (Redis L2)', redis),
  ];
  contenders.splice(1, 0, await cacheableContender('@Cacheable method', redis));
  return contenders;
}

function hitTargets(context: BenchContext, table: Table, concurrency: number): void {
  const { report } = context;
  const lib = opsOf(table, LIB);
  if (concurrency === 1) {
    report.target('hit 1 KB sequential: lib ÷ ioredis by hand', lib / opsOf(table, IOREDIS), 0.95);
    const p50 = (name: string) => table.rows.find((r) => r.name === name)!.p50Ms!;
    report.target(
      'hit 1 KB sequential: lib p50 ÷ ioredis p50',
      p50(LIB) / p50(IOREDIS),
      1.15,
      'max',
    );
    return;
  }
  report.target('hit 1 KB x100: lib ÷ ioredis by hand', lib / opsOf(table, IOREDIS), 1.0);
  report.target(
    'hit 1 KB x100: lib ÷ cache-manager get',
    lib / opsOf(table, 'cache-manager get (@keyv/redis)'),
    1.4,
  );
  report.target(
    'hit 1 KB x100: lib ÷ bentocache L2',
    lib / opsOf(table, 'bentocache getOrSet (Redis L2)'),
    1.3,
  );
  report.target(
    'hit 1 KB x100: lib ÷ node-redis by hand',
    lib / opsOf(table, 'node-redis by hand'),
    1.0,
  );
}
