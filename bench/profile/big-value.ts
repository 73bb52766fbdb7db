// What one large value costs the process that stores it: time in set() and the longest event-loop
// pause while it runs (a 1 ms timer's worst lateness), for a random Buffer through the default
// serializer, on a Redis of its own. Run against another checkout of lib/ with --lib=<path>.
//   node --import @swc-node/register/esm-register bench/profile/big-value.ts --mb=50
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Test } from '@nestjs/testing';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const mb = Number(arg('mb', '50'));
const libPath = arg('lib', new URL('../../lib/index.js', import.meta.url).pathname);
const { RedisCacheModule, RedisCacheService } = (await import(
  libPath
)) as typeof import('../../lib/index.js');

const port = await new Promise<number>((resolve) => {
  const probe = createServer().listen(0, () => {
    const { port } = probe.address() as { port: number };
    probe.close(() => resolve(port));
  });
});
const server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no']);
await new Promise((resolve) => setTimeout(resolve, 300));

const module = await Test.createTestingModule({
  imports: [
    RedisCacheModule.forRoot({
      url: `redis://127.0.0.1:${port}`,
      namespace: 'bigvalue',
      redisTimeouts: { command: '60s' },
      stats: { flushInterval: false },
      compression: false,
      // Values are capped (limits.valueBytes); give the probe room.
      ...(arg('limit', '') ? { limits: { valueBytes: Number(arg('limit', '')) } } : {}),
    }),
  ],
}).compile();
await module.init();
const cache = module.get(RedisCacheService);

const value = randomBytes(mb * 1024 * 1024);
let worstLateMs = 0;
let last = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  worstLateMs = Math.max(worstLateMs, now - last - 1);
  last = now;
}, 1);
await new Promise((resolve) => setTimeout(resolve, 50));
const started = performance.now();
await cache.set('big', value);
const setMs = performance.now() - started;
await new Promise((resolve) => setTimeout(resolve, 50));
clearInterval(ticker);
const back = (await cache.get('big')) as Buffer;
const readMs = performance.now() - started - setMs;
console.log(
  JSON.stringify({
    mb,
    lib: libPath,
    setMs: Math.round(setMs),
    worstEventLoopPauseMs: Math.round(worstLateMs),
    roundTrip: Buffer.isBuffer(back) && back.equals(value),
    storedBytes: (await cache.client.strlen('bigvalue:big')) as number,
    readMsApprox: Math.round(readMs),
  }),
);
await module.close();
server.kill();
