// CPU cost of one cached GET through Nest, route by route, without sockets or autocannon:
// requests are injected (light-my-request; Fastify's own inject) 20 at a time into one app in this
// process, routes interleaved over rounds, and the process's CPU time per request (user + system)
// is reported as the median round. Quick A/B of the HTTP cache paths on a busy machine, where
// loaded autocannon runs are mostly noise (CPU time is not counted while waiting for a core).
//   node --import @swc-node/register/esm-register bench/profile/http-inject.ts --adapter=fastify
import 'reflect-metadata';
import { CacheInterceptor, CacheModule } from '@nestjs/cache-manager';
import {
  Controller,
  Get,
  Injectable,
  Module,
  Param,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import KeyvRedis from '@keyv/redis';
import inject from 'light-my-request';
import { CacheResponse, RedisCacheModule, RedisCacheService } from 'nestjs-redis-cache';
import { startBenchRedis } from '../support/bench-redis.js';
import { median } from '../support/measure.js';
import { makeValue, type BenchValue } from '../support/values.js';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const adapter = arg('adapter', 'express');
const requests = Number(arg('requests', '4000'));
const rounds = Number(arg('rounds', '7'));
const CONCURRENCY = 20;
const IDS = 100;
const TTL = 3600;
const load = (id: string): BenchValue => makeValue(1024, Number(id));
const local = new Map<string, BenchValue>();

/** Does nothing: what Nest's interceptor machinery alone costs a route (the `noop-map` route). */
@Injectable()
class PassThrough implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler) {
    return next.handle();
  }
}

@Controller()
class Routes {
  constructor(private readonly cache: RedisCacheService) {}

  @Get('cm/:id')
  @UseInterceptors(CacheInterceptor)
  cm(@Param('id') id: string) {
    return load(id);
  }

  @Get('response/:id')
  @CacheResponse({ ttl: TTL, l1: false })
  response(@Param('id') id: string) {
    return load(id);
  }

  @Get('response-l1/:id')
  @CacheResponse({ ttl: TTL })
  responseL1(@Param('id') id: string) {
    return load(id);
  }

  @Get('lib/:id')
  lib(@Param('id') id: string) {
    return this.cache.getOrSet(`product:${id}`, () => load(id), { l1: false });
  }

  @Get('noop-map/:id')
  @UseInterceptors(PassThrough)
  noopMap(@Param('id') id: string) {
    return this.map(id);
  }

  @Get('map/:id')
  map(@Param('id') id: string) {
    let value = local.get(id);
    if (!value) local.set(id, (value = load(id)));
    return value;
  }
}

async function main(): Promise<void> {
  const redis = await startBenchRedis();
  @Module({
    imports: [
      RedisCacheModule.forRoot({
        url: redis.url,
        namespace: 'inject',
        ttl: TTL,
        l1: { frozen: true },
      }),
      CacheModule.register({ stores: [new KeyvRedis(redis.url)], ttl: TTL * 1000 }),
    ],
    controllers: [Routes],
  })
  class AppModule {}
  const app =
    adapter === 'fastify'
      ? await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
          logger: ['error'],
        })
      : await NestFactory.create(AppModule, { logger: ['error'] });
  await app.init();
  let send: (path: string) => Promise<number>;
  if (adapter === 'fastify') {
    const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
    await fastify.ready();
    send = async (path) => (await fastify.inject({ method: 'GET', url: path })).statusCode;
  } else {
    const dispatch = app.getHttpAdapter().getInstance();
    send = async (path) => (await inject(dispatch, { method: 'GET', url: path })).statusCode;
  }
  const routes = arg('routes', 'cm,response,response-l1,lib,map,noop-map').split(',');
  for (const route of routes) for (let id = 0; id < IDS; id++) await send(`/${route}/${id}`);
  const samples = new Map(routes.map((r) => [r, [] as number[]]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < routes.length; i++) {
      const route = routes[(i + round) % routes.length];
      let next = 0;
      const started = process.cpuUsage();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < requests) {
            const status = await send(`/${route}/${next++ % IDS}`);
            if (status !== 200) throw new Error(`${route}: ${status}`);
          }
        }),
      );
      const used = process.cpuUsage(started);
      samples.get(route)!.push((used.user + used.system) / requests);
    }
  }
  const cm = median(samples.get('cm') ?? [NaN]);
  const map = median(samples.get('map') ?? [NaN]);
  console.log(
    `${adapter}: CPU µs per request (median of ${rounds} rounds of ${requests}); ×cm, ×map: requests served per CPU second, relative`,
  );
  for (const [route, s] of samples) {
    const us = median(s);
    console.log(
      `${route.padEnd(12)} ${us.toFixed(1).padStart(7)} µs  ×cm ${(cm / us).toFixed(2)}  ×map ${(map / us).toFixed(2)}  rounds ${s.map((x) => x.toFixed(0)).join(' ')}`,
    );
  }
  await app.close();
  await redis.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
