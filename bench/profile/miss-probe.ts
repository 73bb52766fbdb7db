// Probe: 100 concurrent getOrSet calls on distinct cold keys, lock on vs off, vs ioredis by hand.
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { RedisCacheModule, RedisCacheService } from 'nestjs-redis-cache';
import { RedisServer } from '../../test/support/redis-server.js';

const server = await RedisServer.start();
async function run(label: string, lock: boolean) {
  const mod = await Test.createTestingModule({
    imports: [
      RedisCacheModule.forRoot({
        url: server.url,
        namespace: `p${label}`,
        lock,
        stats: { flushInterval: false },
      } as never),
    ],
  }).compile();
  await mod.init();
  const cache = mod.get(RedisCacheService);
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
  console.log(label, Math.round(n / ((performance.now() - start) / 1000)), 'ops/s');
  await mod.close();
}
await run('lock', true);
await run('nolock', false);
const r = new Redis(server.url);
let n = 0;
const start = performance.now();
await Promise.all(
  Array.from({ length: 100 }, async () => {
    while (performance.now() - start < 2000) {
      const k = `raw:${n++}`;
      const got = await r.get(k);
      if (!got) await r.set(k, JSON.stringify({ v: k }), 'EX', 60);
    }
  }),
);
console.log('ioredis', Math.round(n / ((performance.now() - start) / 1000)), 'ops/s');
r.disconnect();
await server.dispose();
