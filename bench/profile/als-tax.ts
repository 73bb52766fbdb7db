// What CacheStatsInterceptor costs a real HTTP request, split: the same HTTP app
// (bench/fixtures/http-app.ts) in three processes — plain, plain with AsyncLocalStorage's promise
// hooks switched on at start (ALS_HOOK=1, no interceptor), and the recommended setup
// (CacheStatsInterceptor as APP_INTERCEPTOR) — loaded in turn with autocannon, rounds rotating.
// Reports req/s and the app's CPU µs per request (Linux /proc; robust to a busy machine).
//   node --import @swc-node/register/esm-register bench/profile/als-tax.ts \
//     [--path=/cacheable/] [--adapter=express] [--seconds=1.5] [--rounds=5]
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { NodeChild } from '../../test/support/child-process.js';
import { startBenchRedis } from '../support/bench-redis.js';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const path = arg('path', '/cacheable/');
const seconds = Number(arg('seconds', '1.5'));
const rounds = Number(arg('rounds', '5'));
const adapter = arg('adapter', 'express');
const ids = 500;

const APPS = {
  plain: {},
  'plain + ALS hooks on': { ALS_HOOK: '1' },
  'CacheStatsInterceptor (recommended)': { STATS_INTERCEPTOR: 'global' },
  'cache-manager CacheInterceptor': {},
} as const;
type AppName = keyof typeof APPS;
const PATHS: Record<AppName, string> = {
  plain: path,
  'plain + ALS hooks on': path,
  'CacheStatsInterceptor (recommended)': path,
  'cache-manager CacheInterceptor': '/cm/',
};

function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const redis = await startBenchRedis();
const names = Object.keys(APPS) as AppName[];
const children = new Map<AppName, NodeChild>();
try {
  for (const name of names)
    children.set(
      name,
      NodeChild.start('bench/fixtures/http-app.ts', {
        REDIS_URL: redis.url,
        ADAPTER: adapter,
        ...APPS[name],
      }),
    );
  const bases = new Map<AppName, string>();
  for (const name of names) {
    const ready = await children.get(name)!.waitFor('ready', 120_000);
    bases.set(name, `http://127.0.0.1:${ready.port as number}`);
  }
  const run = (name: AppName, duration: number) => {
    let next = 0;
    const p = PATHS[name];
    return autocannon({
      url: bases.get(name)!,
      connections: 50,
      duration,
      requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, path: `${p}${next++ % ids}` }) }],
    });
  };
  for (const name of names) await run(name, 1); // prime + warm up
  const rps = new Map<AppName, number[]>(names.map((n) => [n, []]));
  const cpu = new Map<AppName, number[]>(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length];
      const pid = children.get(name)!.process.pid!;
      const before = cpuSecondsOf(pid);
      const result = await run(name, seconds);
      rps.get(name)!.push(result.requests.total / result.duration);
      cpu.get(name)!.push(((cpuSecondsOf(pid) - before) * 1e6) / result.requests.total);
    }
  }
  const baseCpu = median(cpu.get('plain')!);
  console.log(`${adapter} ${path}: median of ${rounds} x ${seconds} s rounds, 50 connections`);
  for (const name of names)
    console.log(
      `${name.padEnd(38)} ${Math.round(median(rps.get(name)!))
        .toString()
        .padStart(6)} req/s  ` +
        `${Math.round(median(cpu.get(name)!))
          .toString()
          .padStart(5)} CPU µs/req ` +
        `(${(median(cpu.get(name)!) / baseCpu).toFixed(2)}x plain)  rounds ` +
        cpu.get(name)!.map(Math.round).join(' '),
    );
} finally {
  for (const child of children.values()) await child.kill();
  await redis.dispose();
}
