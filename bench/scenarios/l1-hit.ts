// Scenario 3: hits served from process memory. This library's L1 (`l1` module option; every hit
// gets a copy of its own, or with `l1.frozen` one deep-frozen value) against bentocache's memory
// tier with its defaults, a bare Map.get (no copy: the ceiling) and this library's Redis hit.
import {
  bentoContender,
  libContender,
  libGetContender,
  type Contender,
} from '../support/contenders.js';
import { measureCases, type BenchContext, type Case } from '../support/context.js';
import { opsOf, type Table } from '../support/report.js';
import { makeValue } from '../support/values.js';

const LIB_L1 = 'this library getOrSet, L1 hit';
const BENTO_L1 = 'bentocache getOrSet, memory tier hit';
const LIB_GET_L1 = 'this library get, L1 hit';

export async function l1Hit(context: BenchContext): Promise<void> {
  const { config, redis, report } = context;
  await redis.flush();
  const keys = Array.from({ length: config.hitKeys }, (_, i) => `item:${i}`);
  const value = makeValue(1024);
  const map = new Map(keys.map((key) => [key, value]));
  const contenders: Contender[] = [
    await libContender(LIB_L1, redis, { module: { l1: {} } }),
    await libGetContender(LIB_GET_L1, redis, { module: { l1: {} } }),
    await libContender('this library getOrSet, L1 hit (l1.frozen)', redis, {
      module: { l1: { frozen: true } },
    }),
    await bentoContender(BENTO_L1, redis, { l1: true, l2: true }),
    await libContender('this library getOrSet, Redis hit (no L1)', redis),
    {
      name: 'bare Map.get',
      fill: async () => undefined,
      getOrSet: async (key) => map.get(key),
      close: async () => undefined,
    },
  ];
  const compute = () => value;
  for (const contender of contenders) {
    await contender.fill(keys, value);
    // Read each key once so the memory tiers hold it (a fill writes Redis, a read fills L1).
    for (const key of keys) await contender.getOrSet(key, compute);
  }
  for (const concurrency of [1, 100]) {
    const cases: Case[] = contenders.map((contender) => {
      let next = 0;
      return {
        name: contender.name,
        run: () => contender.getOrSet(keys[next++ % keys.length], compute),
      };
    });
    const rows = await measureCases(context, cases, concurrency);
    const table: Table = {
      scenario: 'l1',
      title: `3. L1 hit, 1 KB values, ${config.hitKeys} keys, ${concurrency === 1 ? 'one sequential caller' : `${concurrency} concurrent callers`}`,
      baseline: LIB_L1,
      rows,
      notes: [
        'bare Map.get returns the same object every time (no copy); the caches return a fresh copy, l1.frozen the same frozen object',
      ],
    };
    report.table(table);
    report.target(
      `L1 hit x${concurrency}: lib ÷ bentocache memory tier`,
      opsOf(table, LIB_L1) / opsOf(table, BENTO_L1),
      10,
    );
    report.target(`L1 hit x${concurrency}: lib getOrSet, M ops/s`, opsOf(table, LIB_L1) / 1e6, 1);
    report.target(
      `L1 hit x${concurrency}: lib getOrSet ÷ lib get`,
      opsOf(table, LIB_L1) / opsOf(table, LIB_GET_L1),
      0.95,
    );
  }
  for (const contender of contenders) await contender.close();
}
