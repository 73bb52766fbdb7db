// A bare hit-path loop (or miss-path, with --path=miss) for `--cpu-prof`: one contender, N
// concurrent callers, a fixed time, no benchmark harness in the profile. Usage (see bench/README.md):
//   node --cpu-prof --cpu-prof-dir=bench/results/profiles --import @swc-node/register/esm-register \
//     bench/profile/hit-loop.ts --contender=lib --concurrency=100 --size=1024 --seconds=5
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { startBenchRedis } from '../support/bench-redis.js';
import {
  ioredisContender,
  libContender,
  libGetContender,
  nodeRedisContender,
  type Contender,
} from '../support/contenders.js';
import { cacheableContender } from '../scenarios/cacheable-contender.js';
import { median } from '../support/measure.js';
import { makeValue } from '../support/values.js';

function arg(name: string, fallback: string): string {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
}

const CONTENDERS: Record<
  string,
  (redis: Parameters<typeof ioredisContender>[1]) => Promise<Contender>
> = {
  lib: (redis) => libContender('lib', redis),
  'lib-get': (redis) => libGetContender('lib-get', redis),
  'lib-l1': (redis) => libContender('lib-l1', redis, { module: { l1: {} } }),
  'lib-get-l1': (redis) => libGetContender('lib-get-l1', redis, { module: { l1: {} } }),
  'lib-l1-admission': (redis) =>
    libContender('lib-l1-admission', redis, { module: { l1: { admission: 'frequency' } } }),
  'lib-l1-frozen': (redis) =>
    libContender('lib-l1-frozen', redis, { module: { l1: { frozen: true } } }),
  'lib-ap': (redis) => libContender('lib', redis, { enableAutoPipelining: true }),
  'lib-nolock': (redis) => libContender('lib', redis, { call: { lock: false } }),
  ioredis: async (redis) => ioredisContender('ioredis', redis, false),
  'ioredis-timeout': async (redis) => ioredisContender('ioredis-timeout', redis, false, 250),
  'ioredis-ap': async (redis) => ioredisContender('ioredis', redis, true),
  'node-redis': (redis) => nodeRedisContender('node-redis', redis),
  cacheable: (redis) => cacheableContender('cacheable', redis),
  'cacheable-l1': (redis) => cacheableContender('cacheable-l1', redis, { l1: {} }),
};

async function main(): Promise<void> {
  const names = arg('contender', 'lib').split(',');
  const concurrency = Number(arg('concurrency', '100'));
  const size = Number(arg('size', '1024'));
  const seconds = Number(arg('seconds', '5'));
  const rounds = Number(arg('rounds', '1'));
  const redis = await startBenchRedis();
  try {
    const keys = Array.from({ length: 500 }, (_, i) => `item:${i}`);
    const value = makeValue(size);
    const contenders: Contender[] = [];
    for (const name of names) {
      const contender = await CONTENDERS[name](redis);
      await contender.fill(keys, value);
      contenders.push(contender);
    }
    // --path=miss: every call asks for a key nobody cached yet (GET miss, compute, SET).
    const miss = arg('path', 'hit') === 'miss';
    let generation = 0;
    const keyOf = (n: number) => (miss ? `miss:${generation}:${n}` : keys[n % keys.length]);
    const compute = miss
      ? () => value
      : () => {
          throw new Error('factory called on the hit path');
        };
    const results = new Map<string, number[]>(names.map((n) => [n, []]));
    // CPU time of this process per call: the client's own cost, robust to a busy machine.
    const cpuPerCall = new Map<string, number[]>(names.map((n) => [n, []]));
    for (let round = 0; round < rounds; round++) {
      for (const [i, contender] of contenders.entries()) {
        let next = 0;
        let calls = 0;
        generation++;
        const run = async (until: number) => {
          while (performance.now() < until) {
            await contender.getOrSet(keyOf(next++), compute);
            calls++;
          }
        };
        await Promise.all(Array.from({ length: concurrency }, () => run(performance.now() + 200)));
        calls = 0;
        const started = performance.now();
        const cpu = process.cpuUsage();
        await Promise.all(Array.from({ length: concurrency }, () => run(started + seconds * 1000)));
        const used = process.cpuUsage(cpu);
        results.get(names[i])!.push((calls / (performance.now() - started)) * 1000);
        cpuPerCall.get(names[i])!.push((used.user + used.system) / calls);
      }
    }
    const first = median(results.get(names[0])!);
    for (const [name, ops] of results)
      console.log(
        `${name.padEnd(16)} x${concurrency} ${size} B: median ${Math.round(median(ops))} ops/s (${ops.map(Math.round).join(', ')}); ${names[0]}/this ${(first / median(ops)).toFixed(2)}x; ` +
          `CPU ${median(cpuPerCall.get(name)!).toFixed(2)} µs/call (best round ${Math.min(...cpuPerCall.get(name)!).toFixed(3)})`,
      );
    for (const contender of contenders) await contender.close();
  } finally {
    await redis.dispose();
  }
}

// A rejection here exits with status 1 and its stack, as http-profile.ts's top-level await does.
await main();
process.exit(0);
