import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { RedisCacheModule, RedisCacheService } from 'nestjs-redis-cache';
import { RedisServer } from '../../test/support/redis-server.js';

const server = await RedisServer.start();
const admin = new Redis(server.url);
async function stats() {
  const text = await admin.info('commandstats');
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+)/g)) out[m[1]] = Number(m[3]);
  const calls: Record<string, number> = {};
  for (const m of text.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) calls[m[1]] = Number(m[2]);
  return { usec: out, calls };
}
async function run(label: string, lock: boolean) {
  const mod = await Test.createTestingModule({
    imports: [
      RedisCacheModule.forRoot({
        url: server.url,
        namespace: `p${label}`,
        lock,
        statsFlushInterval: false,
      } as never),
    ],
  }).compile();
  await mod.init();
  const cache = mod.get(RedisCacheService);
  await admin.config('RESETSTAT');
  let n = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (performance.now() - start < 2000) {
        const k = `k${n++}`;
        await cache.getOrSet(k, () => ({ v: k }));
      }
    }),
  );
  const s = await stats();
  console.log(
    label,
    Math.round(n / ((performance.now() - start) / 1000)),
    'ops/s',
    JSON.stringify(
      Object.fromEntries(
        Object.entries(s.calls).map(([k, v]) => [
          k,
          (v / n).toFixed(3) + '/op ' + (s.usec[k] / n).toFixed(2) + 'us',
        ]),
      ),
    ),
  );
  await mod.close();
}
for (let i = 0; i < 2; i++) {
  await run('lock', true);
  await run('nolock', false);
}
admin.disconnect();
await server.dispose();
