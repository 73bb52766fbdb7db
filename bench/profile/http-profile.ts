// CPU profile of one route of the HTTP app (bench/fixtures/http-app.ts) under autocannon: where a
// request's time goes, e.g. what CacheStatsInterceptor costs (async_hooks, rxjs, the header).
//   node --import @swc-node/register/esm-register bench/profile/http-profile.ts \
//     --path=/cacheable/ [--interceptor] [--adapter=fastify] [--seconds=5] [--dir=/tmp/prof]
// then: node ... bench/profile/cpuprofile-top.ts /tmp/prof/*.cpuprofile 30
import autocannon from 'autocannon';
import { NodeChild } from '../../test/support/child-process.js';
import { startBenchRedis } from '../support/bench-redis.js';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const path = arg('path', '/cacheable/');
const seconds = Number(arg('seconds', '5'));
const dir = arg('dir', '/tmp/prof');
const ids = 500;

const redis = await startBenchRedis();
// The app exits normally on SIGUSR2, so --cpu-prof writes its profile.
const child = NodeChild.start(
  'bench/fixtures/http-app.ts',
  {
    REDIS_URL: redis.url,
    ADAPTER: arg('adapter', 'express'),
    STATS_INTERCEPTOR: process.argv.includes('--interceptor') ? 'global' : '',
    EXIT_ON_SIGUSR2: '1',
  },
  ['--cpu-prof', `--cpu-prof-dir=${dir}`],
);
try {
  const ready = await child.waitFor('ready', 120_000);
  const base = `http://127.0.0.1:${ready.port as number}`;
  for (let id = 0; id < ids; id++) await (await fetch(`${base}${path}${id}`)).arrayBuffer();
  let next = 0;
  const result = await autocannon({
    url: base,
    connections: 50,
    duration: seconds,
    requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, path: `${path}${next++ % ids}` }) }],
  });
  console.log(
    `${path}: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms`,
  );
} finally {
  await child.kill('SIGUSR2');
  await redis.dispose();
}
