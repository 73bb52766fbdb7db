// What CacheStatsInterceptor costs a request, in CPU time of this process per request (robust to
// other processes on a busy machine) and without sockets (Fastify's inject): the same @Cacheable route (an L1 hit, or a Redis hit with
// --redis) in Nest apps that differ only in their APP_INTERCEPTOR, rounds interleaved in one
// process. AsyncLocalStorage's promise hook stays on once a store was entered, and would tax the
// apps measured after it, so the stats store is disabled after each of its rounds.
//   node --import @swc-node/register/esm-register bench/profile/interceptor-cost.ts \
//     [--redis] [--seconds=0.5] [--rounds=9]
import 'reflect-metadata';
import {
  Controller,
  Get,
  Injectable,
  Module,
  Param,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Cacheable, CacheStatsInterceptor, RedisCacheModule } from 'nestjs-redis-cache';
import { tap } from 'rxjs';
import { CacheStats } from '../../lib/metrics/cache-stats.js';
import { cacheOutcome, RequestTally } from '../../lib/metrics/request-tally.js';
import { startBenchRedis } from '../support/bench-redis.js';
import { makeValue, type BenchValue } from '../support/values.js';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const seconds = Number(arg('seconds', '0.5'));
const rounds = Number(arg('rounds', '9'));
const l1 = !process.argv.includes('--redis');
const IDS = 200;
const CONCURRENCY = 20;

@Injectable()
class Products {
  @Cacheable({ key: 'product:{0}', ttl: 3600 })
  async find(id: string): Promise<BenchValue> {
    return makeValue(1024, Number(id));
  }
}

@Controller('p')
class ProductsController {
  constructor(private readonly products: Products) {}

  @Get(':id')
  find(@Param('id') id: string): Promise<BenchValue> {
    return this.products.find(id);
  }
}

@Injectable()
class PassThrough implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler) {
    return next.handle();
  }
}

/** CacheStatsInterceptor as it was before issue 13: an rxjs tap sets the header at the end. */
@Injectable()
class TapStatsInterceptor implements NestInterceptor {
  constructor(private readonly stats: CacheStats) {}

  intercept(context: ExecutionContext, next: CallHandler) {
    const handler = `${context.getClass().name}#${context.getHandler().name}`;
    if (this.stats.requests.getStore()?.handler === handler) return next.handle();
    const tally = new RequestTally(handler);
    const handled = this.stats.requests.run(tally, () => next.handle());
    const response = context.switchToHttp().getResponse<{ header(n: string, v: string): void }>();
    const setHeader = () => {
      const outcome = cacheOutcome(tally);
      if (outcome) response.header('X-Cache', outcome);
    };
    return handled.pipe(tap({ next: setHeader, error: setHeader }));
  }
}

type Variant =
  | 'no interceptor'
  | 'pass-through interceptor'
  | 'CacheStatsInterceptor'
  | 'before: ALS + rxjs tap';
const VARIANTS: Variant[] = [
  'no interceptor',
  'pass-through interceptor',
  'CacheStatsInterceptor',
  'before: ALS + rxjs tap',
];
const INTERCEPTORS: Partial<Record<Variant, Type>> = {
  'pass-through interceptor': PassThrough,
  CacheStatsInterceptor,
  'before: ALS + rxjs tap': TapStatsInterceptor,
};

async function appFor(variant: Variant, url: string): Promise<NestFastifyApplication> {
  const useClass = INTERCEPTORS[variant];
  const interceptor = useClass ? [{ provide: APP_INTERCEPTOR, useClass }] : [];
  @Module({
    imports: [RedisCacheModule.forRoot({ url, namespace: 'icost', l1: l1 ? {} : false })],
    controllers: [ProductsController],
    providers: [Products, ...interceptor],
  })
  class AppModule {}
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
    logger: ['error'],
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

async function load(app: NestFastifyApplication, ms: number): Promise<number> {
  const until = performance.now() + ms;
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (performance.now() < until) {
      const response = await app.inject({ method: 'GET', url: `/p/${next++ % IDS}` });
      if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
      done++;
    }
  };
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / done;
}

const redis = await startBenchRedis();
try {
  const apps = new Map<Variant, NestFastifyApplication>();
  for (const variant of VARIANTS) apps.set(variant, await appFor(variant, redis.url));
  const samples = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  for (const app of apps.values()) await load(app, 300); // prime + warm up
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < VARIANTS.length; i++) {
      const variant = VARIANTS[(i + round) % VARIANTS.length];
      const app = apps.get(variant)!;
      samples.get(variant)!.push(await load(app, seconds * 1000));
      // Off again, so the next app is measured without the promise hook.
      app.get(CacheStats).requests.disable();
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = samples.get('no interceptor')!;
  console.log(
    `@Cacheable ${l1 ? 'L1' : 'Redis'} hit via Fastify inject, ${CONCURRENCY} concurrent: CPU µs ` +
      'per request (median of rounds), and ÷ no interceptor (median of per-round ratios)',
  );
  for (const variant of VARIANTS) {
    const s = samples.get(variant)!;
    const ratios = s.map((x, i) => x / base[i]);
    console.log(
      `${variant.padEnd(26)} ${median(s).toFixed(1).padStart(7)} µs  ` +
        `${median(ratios).toFixed(3)}x  rounds ${s.map((x) => x.toFixed(0)).join(' ')}`,
    );
  }
  for (const app of apps.values()) await app.close();
} finally {
  await redis.dispose();
}
