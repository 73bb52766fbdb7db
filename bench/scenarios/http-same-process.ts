// Diagnosis, not the comparison: the HTTP contenders sharing processes (bench/scenarios/http.ts
// gives each its own, as users run them). Two child processes from the TypeScript sources
// (bench/fixtures/http-app.ts): a plain one with every route, and one with the README's
// recommended setup (CacheStatsInterceptor as APP_INTERCEPTOR, which taxes every route of its
// process), so a route can be measured with and without the other routes' machinery beside it
// (AsyncLocalStorage's promise hooks on Node 20). Rounds rotate; the median round is reported.
import { NodeChild } from '../../test/support/child-process.js';
import { cpuColumn, cpuSecondsOf, load } from '../support/app-load.js';
import type { BenchContext } from '../support/context.js';
import { median } from '../support/measure.js';
import type { Row, Table } from '../support/report.js';

type AppKind = 'plain' | 'recommended';

const RECOMMENDED = '@Cacheable + CacheStatsInterceptor (recommended setup)';
const RECOMMENDED_L1 = '@Cacheable + CacheStatsInterceptor, L1 hit (frozen)';
const CM = '@nestjs/cache-manager CacheInterceptor';
const IOREDIS = 'ioredis by hand';
// The peers again in the recommended app's process: same process kind as the recommended rows,
// AsyncLocalStorage's promise hooks on for them too (and the route tally, which finds no lookup).
const CM_SAME_APP = `${CM} (in the recommended app)`;
const IOREDIS_SAME_APP = `${IOREDIS} (in the recommended app)`;

const ROUTES: { name: string; path: string; app: AppKind }[] = [
  { name: 'this library getOrSet', path: '/lib/', app: 'plain' },
  { name: 'this library getOrSet, L1 hit (frozen)', path: '/lib-l1/', app: 'plain' },
  { name: '@Cacheable service method', path: '/cacheable/', app: 'plain' },
  { name: RECOMMENDED, path: '/cacheable/', app: 'recommended' },
  { name: '@Cacheable, L1 hit (frozen)', path: '/cacheable-l1/', app: 'plain' },
  { name: RECOMMENDED_L1, path: '/cacheable-l1/', app: 'recommended' },
  { name: CM, path: '/cm/', app: 'plain' },
  { name: IOREDIS, path: '/ioredis/', app: 'plain' },
  { name: CM_SAME_APP, path: '/cm/', app: 'recommended' },
  { name: IOREDIS_SAME_APP, path: '/ioredis/', app: 'recommended' },
  { name: 'process-local Map', path: '/map/', app: 'plain' },
  // --- @CacheResponse rows (issue 15) ---
  { name: '@CacheResponse (whole response)', path: '/response/', app: 'plain' },
  { name: '@CacheResponse, L1 hit', path: '/response-l1/', app: 'plain' },
  // --- end of @CacheResponse rows ---
];

export async function httpSameProcess(context: BenchContext): Promise<void> {
  for (const adapter of context.config.httpAdapters) await runAdapter(context, adapter);
}

async function runAdapter(context: BenchContext, adapter: 'express' | 'fastify'): Promise<void> {
  const { config, redis, report } = context;
  const ids = config.quick ? 100 : 500;
  await redis.flush();
  const children = {
    plain: NodeChild.start('bench/fixtures/http-app.ts', {
      REDIS_URL: redis.url,
      ADAPTER: adapter,
    }),
    recommended: NodeChild.start('bench/fixtures/http-app.ts', {
      REDIS_URL: redis.url,
      ADAPTER: adapter,
      STATS_INTERCEPTOR: 'global',
    }),
  };
  try {
    const bases = {} as Record<AppKind, string>;
    for (const kind of ['plain', 'recommended'] as const) {
      const ready = await children[kind].waitFor('ready', 60_000);
      bases[kind] = `http://127.0.0.1:${ready.port as number}`;
    }
    const urlOf = (route: (typeof ROUTES)[number]) => `${bases[route.app]}${route.path}`;
    // Prime every id on every route (the first request of each is a miss), then warm up.
    for (const route of ROUTES)
      for (let id = 0; id < ids; id++) {
        const response = await fetch(`${urlOf(route)}${id}`);
        if (!response.ok) throw new Error(`${urlOf(route)}${id} answered ${response.status}`);
        await response.arrayBuffer();
      }
    if (!config.quick)
      for (const route of ROUTES)
        await load(bases[route.app], route.path, 1, config.httpConnections, ids);
    const samples = new Map(
      ROUTES.map((r) => [
        r.name,
        [] as { rps: number; p50: number; p99: number; cpuUs: number | undefined }[],
      ]),
    );
    const errors = new Map(ROUTES.map((r) => [r.name, 0]));
    for (let round = 0; round < config.httpRounds; round++) {
      const order = ROUTES.map((_, i) => ROUTES[(i + round) % ROUTES.length]);
      for (const route of order) {
        const pid = children[route.app].process.pid;
        const cpuBefore = cpuSecondsOf(pid);
        const result = await load(
          bases[route.app],
          route.path,
          config.httpSeconds,
          config.httpConnections,
          ids,
        );
        const cpuAfter = cpuSecondsOf(pid);
        samples.get(route.name)!.push({
          rps: result.requests.total / result.duration,
          p50: result.latency.p50,
          p99: result.latency.p99,
          cpuUs:
            cpuBefore === undefined || cpuAfter === undefined || result.requests.total === 0
              ? undefined
              : ((cpuAfter - cpuBefore) * 1e6) / result.requests.total,
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
        extra: {
          errors: errors.get(route.name)!,
          ...cpuColumn(s.map((x) => x.cpuUs)),
        },
      };
    });
    const table: Table = {
      scenario: 'http-same-process',
      title: `5b. Diagnosis: HTTP contenders sharing processes (lib sources), cached GET (1 KB JSON, ${ids} ids), Nest on ${adapter}, autocannon ${config.httpConnections} connections, median of ${config.httpRounds} x ${config.httpSeconds} s rounds`,
      baseline: 'this library getOrSet',
      rows,
      notes: [
        'ops/s = requests/s; app in its own process, autocannon in the benchmark process',
        'app CPU µs/req: CPU time of the app process per request (median of rounds; Linux): what a request costs, however busy the machine',
        'the module has an L1 (l1.frozen); "this library getOrSet" and @Cacheable pass l1: false (Redis hits)',
        `"${RECOMMENDED}": the same app in a second process with CacheStatsInterceptor as APP_INTERCEPTOR`,
        `rows "(in the recommended app)": the peer's route in that second process, where AsyncLocalStorage's promise hooks are on (Node 20) as they are for the recommended rows; the peers' plain rows are what an app without this library pays`,
      ],
    };
    report.table(table);
    // No targets here: the targets are checked on the own-process rows (http.ts); these
    // rows say what sharing a process changes.
  } finally {
    await Promise.all([children.plain.kill('SIGTERM'), children.recommended.kill('SIGTERM')]);
  }
}
