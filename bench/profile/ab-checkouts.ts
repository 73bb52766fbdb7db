// Two (or more) checkouts of the library A/B in one process: each checkout's own `lib/` builds a
// getOrSet contender, and short rounds alternate between them, so a busy machine slows every
// checkout alike (separate processes, run one after the other, differ by more than a change costs);
// the order flips every round, as the second of a pair runs slower on a busy machine.
// Usage (see bench/README.md "Profiling the hit path"):
//   node --import @swc-node/register/esm-register bench/profile/ab-checkouts.ts \
//     <checkout A> <checkout B> [--concurrency=1] [--l1=1] [--rounds=20] [--ms=500]
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import type { Contender } from '../support/contenders.js';
import { startBenchRedis } from '../support/bench-redis.js';
import { median } from '../support/measure.js';
import { makeValue } from '../support/values.js';

function arg(name: string, fallback: string): string {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
}

// The first two rounds warm the JIT up and are not counted.
const WARM_UP_ROUNDS = 2;

async function main(): Promise<void> {
  const checkouts = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (checkouts.length < 2) throw new Error('usage: ab-checkouts.ts <checkout A> <checkout B> ...');
  const concurrency = Number(arg('concurrency', '1'));
  const rounds = Number(arg('rounds', '20')) + WARM_UP_ROUNDS;
  const roundMs = Number(arg('ms', '500'));
  const module = arg('l1', '1') === '1' ? { l1: {} } : {};
  const redis = await startBenchRedis();
  try {
    const keys = Array.from({ length: 500 }, (_, i) => `item:${i}`);
    const value = makeValue(1024);
    const contenders: Contender[] = [];
    for (const checkout of checkouts) {
      const modulePath = resolve(checkout, 'bench/support/contenders.ts');
      const { libContender } = (await import(
        modulePath
      )) as typeof import('../support/contenders.js');
      const contender = await libContender(checkout, redis, { module });
      await contender.fill(keys, value);
      contenders.push(contender);
    }
    const opsPerSecond = checkouts.map((): number[] => []);
    const cpuNsPerCall = checkouts.map((): number[] => []);
    const factory = () => {
      throw new Error('factory called on the hit path');
    };
    for (let round = 0; round < rounds; round++) {
      const order = contenders.map((_, i) => (round % 2 === 0 ? i : contenders.length - 1 - i));
      for (const i of order) {
        const contender = contenders[i];
        let next = 0;
        let calls = 0;
        const started = performance.now();
        const cpu = process.cpuUsage();
        const caller = async () => {
          while (performance.now() < started + roundMs) {
            await contender.getOrSet(keys[next++ % keys.length], factory);
            calls++;
          }
        };
        await Promise.all(Array.from({ length: concurrency }, caller));
        const used = process.cpuUsage(cpu);
        if (round < WARM_UP_ROUNDS) continue;
        opsPerSecond[i].push((calls / (performance.now() - started)) * 1000);
        cpuNsPerCall[i].push(((used.user + used.system) * 1000) / calls);
      }
    }
    const first = median(opsPerSecond[0]);
    for (const [i, checkout] of checkouts.entries())
      console.log(
        `${checkout.padEnd(30)} x${concurrency} ${module.l1 ? 'L1' : 'Redis'} hit: median ` +
          `${Math.round(median(opsPerSecond[i]))} ops/s, CPU ${Math.round(median(cpuNsPerCall[i]))} ns/call, ` +
          `${(median(opsPerSecond[i]) / first).toFixed(3)}x the first`,
      );
    for (const contender of contenders) await contender.close();
  } finally {
    await redis.dispose();
  }
}

// A rejection here exits with status 1 and its stack, as http-profile.ts's top-level await does.
await main();
process.exit(0);
