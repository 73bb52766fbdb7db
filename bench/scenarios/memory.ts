// Scenario 7: Redis memory per cached entry. Each contender writes the same N values (1 KB JSON,
// 1 h TTL) on an emptied server; we read MEMORY USAGE of every key it created (SCAN) and the
// growth of INFO used_memory, both per entry, tag bookkeeping included where tags are used.
import { Redis } from 'ioredis';
import type { BenchContext } from '../support/context.js';
import {
  bentoContender,
  cacheManagerContender,
  ioredisContender,
  libContender,
  nodeRedisContender,
  type Contender,
} from '../support/contenders.js';
import type { Row } from '../support/report.js';
import { makeValue } from '../support/values.js';

export async function memory(context: BenchContext): Promise<void> {
  const { config, redis, report } = context;
  const entries = config.memoryEntries;
  const value = makeValue(1024);
  const build: [string, () => Promise<Contender>][] = [
    ['this library', () => libContender('lib', redis)],
    ['this library, 1 tag', () => libContender('lib', redis, { tags: ['orders'] })],
    ['ioredis by hand (SET EX)', async () => ioredisContender('io', redis, false)],
    ['node-redis by hand (SET EX)', () => nodeRedisContender('nr', redis)],
    ['cache-manager (@keyv/redis)', async () => cacheManagerContender('cm', redis, 'get')],
    ['bentocache (Redis L2)', () => bentoContender('bento', redis)],
    [
      'bentocache (Redis L2), 1 tag',
      () => bentoContender('bento', redis, { l1: false, l2: true }, ['orders']),
    ],
  ];
  const rows: Row[] = [];
  for (const [name, create] of build) {
    await redis.flush();
    const contender = await create();
    const before = await usedMemory(redis.admin);
    const keys = Array.from({ length: entries }, (_, i) => `item:${i}`);
    await contender.fill(keys, value);
    const after = await usedMemory(redis.admin);
    const { count, bytes } = await memoryOfAllKeys(redis.admin);
    rows.push({
      name,
      extra: {
        'MEMORY USAGE / entry': Math.round(bytes / entries),
        'used_memory / entry': Math.round((after - before) / entries),
        'Redis keys / entry': (count / entries).toFixed(3),
      },
    });
    await contender.close();
  }
  report.table({
    scenario: 'memory',
    title: `7. Redis memory per cached entry (${entries.toLocaleString('en-US')} entries of ${JSON.stringify(value).length} B JSON)`,
    rows,
    notes: ['bytes; MEMORY USAGE sums every key the contender created (entries and bookkeeping)'],
  });
}

async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

async function memoryOfAllKeys(client: Redis): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  for await (const keys of client.scanStream({ count: 1000 }) as AsyncIterable<string[]>) {
    const pipeline = client.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', '0');
    const results = (await pipeline.exec()) ?? [];
    for (const [error, usage] of results) {
      if (error) throw error;
      count++;
      bytes += Number(usage ?? 0);
    }
  }
  return { count, bytes };
}
