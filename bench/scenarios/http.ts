// Scenario 5: a cached GET endpoint under autocannon, on Express and on Fastify. The app runs in
// a child process (bench/fixtures/http-app.ts); each route is loaded in turn, several rounds in a
// rotating order, and the median round is reported (the machine is shared: one round is noise).
import autocannon from 'autocannon';
import { NodeChild } from '../../test/support/child-process.js';
import type { BenchContext } from '../support/context.js';
import { median } from '../support/measure.js';
import { opsOf, type Row, type Table } from '../support/report.js';

const ROUTES: { name: string; path: string }[] = [
  { name: 'this library getOrSet', path: '/lib/' },
  { name: 'this library getOrSet, L1 hit (frozen)', path: '/lib-l1/' },
  { name: '@Cacheable service method', path: '/cacheable/' },
  { name: '@nestjs/cache-manager CacheInterceptor', path: '/cm/' },
  { name: 'ioredis by hand', path: '/ioredis/' },
  { name: 'process-local Map', path: '/map/' },
  // --- @CacheResponse rows (issue 15) ---
  { name: '@CacheResponse (whole response)', path: '/response/' },
  { name: '@CacheResponse, L1 hit', path: '/response-l1/' },
  // --- end of @CacheResponse rows ---
];

export async function http(context: BenchContext): Promise<void> {
  for (const adapter of ['express', 'fastify'] as const) await runAdapter(context, adapter);
}

async function runAdapter(context: BenchContext, adapter: 'express' | 'fastify'): Promise<void> {
  const { config, redis, report } = context;
  const ids = config.quick ? 100 : 500;
  await redis.flush();
  const child = NodeChild.start('bench/fixtures/http-app.ts', {
    REDIS_URL: redis.url,
    ADAPTER: adapter,
  });
  try {
    const ready = await child.waitFor('ready', 60_000);
    const base = `http://127.0.0.1:${ready.port as number}`;
    // Prime every id on every route (the first request of each is a miss), then warm up.
    for (const route of ROUTES)
      for (let id = 0; id < ids; id++) {
        const response = await fetch(`${base}${route.path}${id}`);
        if (!response.ok) throw new Error(`${route.path}${id} answered ${response.status}`);
        await response.arrayBuffer();
      }
    if (!config.quick)
      for (const route of ROUTES) await load(base, route.path, 1, config.httpConnections, ids);
    const samples = new Map(
      ROUTES.map((r) => [r.name, [] as { rps: number; p50: number; p99: number }[]]),
    );
    const errors = new Map(ROUTES.map((r) => [r.name, 0]));
    for (let round = 0; round < config.httpRounds; round++) {
      const order = ROUTES.map((_, i) => ROUTES[(i + round) % ROUTES.length]);
      for (const route of order) {
        const result = await load(
          base,
          route.path,
          config.httpSeconds,
          config.httpConnections,
          ids,
        );
        samples.get(route.name)!.push({
          rps: result.requests.total / result.duration,
          p50: result.latency.p50,
          p99: result.latency.p99,
        });
        errors.set(
          route.name,
          errors.get(route.name)! + result.errors + result.non2xx + result.timeouts,
        );
      }
    }
    const rows: Row[] = ROUTES.map((route) => {
      const s = samples.get(route.name)!;
      return {
        name: route.name,
        opsPerSec: median(s.map((x) => x.rps)),
        p50Ms: median(s.map((x) => x.p50)),
        p99Ms: median(s.map((x) => x.p99)),
        rounds: s.map((x) => Math.round(x.rps)),
        extra: { errors: errors.get(route.name)! },
      };
    });
    const table: Table = {
      scenario: 'http',
      title: `5. HTTP cached GET (1 KB JSON, ${ids} ids), Nest on ${adapter}, autocannon ${config.httpConnections} connections, median of ${config.httpRounds} x ${config.httpSeconds} s rounds`,
      baseline: 'this library getOrSet',
      rows,
      notes: [
        'ops/s = requests/s; app in its own process, autocannon in the benchmark process',
        'the module has an L1 (l1.frozen); "this library getOrSet" and @Cacheable pass l1: false (Redis hits)',
      ],
    };
    report.table(table);
    const lib = opsOf(table, 'this library getOrSet');
    const cm = opsOf(table, '@nestjs/cache-manager CacheInterceptor');
    report.target(`http ${adapter}: lib ÷ CacheInterceptor`, lib / cm, 1.0);
    report.target(
      `http ${adapter}: @Cacheable ÷ CacheInterceptor`,
      opsOf(table, '@Cacheable service method') / cm,
      1.0,
    );
    const p99 = (name: string) => rows.find((r) => r.name === name)!.p99Ms!;
    report.target(
      `http ${adapter}: lib p99 ÷ CacheInterceptor p99`,
      p99('this library getOrSet') / p99('@nestjs/cache-manager CacheInterceptor'),
      1.0,
      'max',
    );
    // Only a cache in the same process can come near a Map in it: the target is for the L1 route.
    report.target(
      `http ${adapter}: lib with L1 ÷ process-local Map`,
      opsOf(table, 'this library getOrSet, L1 hit (frozen)') / opsOf(table, 'process-local Map'),
      0.95,
    );
    // --- @CacheResponse targets (issue 15) ---
    const response = opsOf(table, '@CacheResponse (whole response)');
    report.target(`http ${adapter}: @CacheResponse ÷ CacheInterceptor`, response / cm, 1.2);
    report.target(
      `http ${adapter}: @CacheResponse p99 ÷ CacheInterceptor p99`,
      p99('@CacheResponse (whole response)') / p99('@nestjs/cache-manager CacheInterceptor'),
      1.0,
      'max',
    );
    report.target(
      `http ${adapter}: @CacheResponse with L1 ÷ process-local Map`,
      opsOf(table, '@CacheResponse, L1 hit') / opsOf(table, 'process-local Map'),
      1.0,
    );
    // --- end of @CacheResponse targets ---
  } finally {
    await child.kill('SIGTERM');
  }
}

function load(
  base: string,
  path: string,
  seconds: number,
  connections: number,
  ids: number,
): Promise<autocannon.Result> {
  let next = 0;
  return autocannon({
    url: base,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => ({ ...request, path: `${path}${next++ % ids}` }),
      },
    ],
  });
}
