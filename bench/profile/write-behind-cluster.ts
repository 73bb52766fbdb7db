// Probe: write-behind enqueues/s on a Redis Cluster (3 masters + 3 replicas, started here), the
// single-stream queue (`shards: 1`: one node holds every job) against the sharded one (8 shards,
// the Cluster default), and the sharded one with `durability: { replicas: 1 }` (WAIT per slot and
// tick). 100 concurrent callers, 1 KB values, coalesce off, API-only instances (no worker), rounds
// interleaved; prints each round and the median. Also prints how many queue keys each master holds.
//   node --import @swc-node/register/esm-register bench/profile/write-behind-cluster.ts [seconds] [rounds]
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { RedisCacheModule, RedisCacheService } from 'nestjs-redis-cache';
import { RedisClusterHarness } from '../../test/support/redis-cluster.js';

const seconds = Number(process.argv[2] ?? 3);
const rounds = Number(process.argv[3] ?? 3);
const cluster = await RedisClusterHarness.start(3, { replicasPerMaster: 1 });
const value = { id: 1, text: 'x'.repeat(1000) };

const variants = {
  'cache.set only (no queue)': { worker: false },
  'shards: 1 (single stream)': { shards: 1 },
  'shards: 8 (Cluster default)': { shards: 8 },
  'shards: 8, durability { replicas: 1 }': {
    shards: 8,
    durability: { replicas: 1, timeout: '1s' },
  },
} as const;

async function round(label: keyof typeof variants, index: number): Promise<number> {
  const module = await Test.createTestingModule({
    imports: [
      RedisCacheModule.forRoot({
        cluster: { nodes: cluster.nodes },
        namespace: `wbc${index}${Object.keys(variants).indexOf(label)}`,
        stats: { flushInterval: false },
        redisTimeouts: { command: '5s' },
        writeBehind: { worker: false, ...variants[label] },
      }),
    ],
  }).compile();
  module.useLogger(false);
  await module.init();
  const cache = module.get(RedisCacheService);
  cache.writeBehindQueue.registerWriter('orders', () => undefined);
  let n = 0;
  let done = 0;
  // Warm-up: connections to every node, scripts loaded.
  await Promise.all(
    Array.from({ length: 200 }, (_, i) => cache.writeBehind(`w:${i}`, value, 'orders')),
  );
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (performance.now() - start < seconds * 1000) {
        if (label === 'cache.set only (no queue)') await cache.set(`order:${n++ % 10_000}`, value);
        else await cache.writeBehind(`order:${n++ % 10_000}`, value, 'orders', { coalesce: false });
        done++;
      }
    }),
  );
  const perSecond = done / ((performance.now() - start) / 1000);
  await module.close();
  return perSecond;
}

const results = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const label of Object.keys(variants) as (keyof typeof variants)[]) {
    const perSecond = await round(label, r);
    results.set(label, [...(results.get(label) ?? []), perSecond]);
    console.log(`round ${r + 1} ${label}: ${Math.round(perSecond)} enqueues/s`);
  }
}
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const base = median(results.get('shards: 1 (single stream)')!);
for (const [label, values] of results)
  console.log(
    `${label}: median ${Math.round(median(values))} enqueues/s (${(median(values) / base).toFixed(2)}x)`,
  );

for (let i = 0; i < 3; i++) {
  const node = cluster.node(i);
  const keys = (await node.call('KEYS', '{wbc0*')) as string[];
  console.log(`master ${i}: ${keys.length} queue keys of the first round's namespaces`);
  node.disconnect();
}
await cluster.dispose();
