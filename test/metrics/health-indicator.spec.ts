// RedisCacheHealthIndicator in a real app with @nestjs/terminus: GET /health answers 200 with Redis
// reachable (and its latency), the L1 bus and the write-behind backlog while all is well, and 503
// with the indicator down when Redis is stopped; backlog limits turn it down too. The indicator
// imports nothing from terminus (it returns the shape HealthCheckService reads).
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CacheConfigError,
  RedisCacheHealthIndicator,
  RedisCacheModule,
  RedisCacheService,
} from '../../lib/index.js';
import { uniqueNamespace } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import { RedisServer } from '../support/redis-server.js';

@Controller()
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly cache: RedisCacheHealthIndicator,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.cache.isHealthy('cache', { timeout: '300ms' })]);
  }

  @Get('health/strict')
  @HealthCheck()
  strict() {
    return this.health.check([() => this.cache.isHealthy('cache', { maxDeadLetters: 0 })]);
  }
}

let server: RedisServer | undefined;
let app: INestApplication | undefined;
afterEach(async () => {
  server?.resume();
  await app?.close();
  await server?.dispose();
});

async function start(): Promise<INestApplication> {
  server = await RedisServer.start();
  const module = await Test.createTestingModule({
    imports: [
      TerminusModule.forRoot({ logger: false }),
      RedisCacheModule.forRoot({
        url: server.url,
        namespace: uniqueNamespace('health'),
        stats: { flushInterval: false },
        redisTimeouts: { command: '300ms', retryAfter: '200ms' },
        l1: { ttl: '1m' },
        writeBehind: { blockTime: '100ms', maxAttempts: 1, backoff: '10ms' },
      }),
    ],
    controllers: [HealthController],
  }).compile();
  app = module.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('RedisCacheHealthIndicator with @nestjs/terminus', () => {
  it('healthy: 200, Redis reachable with its latency, the L1 bus listening, the backlog', async () => {
    const nest = await start();
    const cache = nest.get(RedisCacheService);
    await cache.set('k', 'v');
    const response = await eventually(
      () => request(nest.getHttpServer()).get('/health'),
      (res) => res.body?.details?.cache?.l1?.bus === 'listening',
      { what: 'the L1 bus listening' },
    );
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ok');
    const details = response.body.details.cache;
    expect(details.status).toBe('up');
    expect(details.redis.reachable).toBe(true);
    expect(details.redis.latencyMs).toBeGreaterThanOrEqual(0);
    expect(details.redis.latencyMs).toBeLessThan(300);
    expect(details.writeBehind).toEqual({ backlog: 0, deadLetters: 0, worker: false });
  });

  it('Redis stopped: 503 with the indicator down and why', async () => {
    const nest = await start();
    await server!.stop();
    const response = await request(nest.getHttpServer()).get('/health');
    expect(response.status).toBe(503);
    expect(response.body.status).toBe('error');
    expect(response.body.error.cache.status).toBe('down');
    expect(response.body.error.cache.redis.reachable).toBe(false);
    expect(response.body.error.cache.message).toMatch(/Redis does not answer/);

    await server!.start();
    await eventually(
      async () => (await request(nest.getHttpServer()).get('/health')).status,
      (status) => status === 200,
      { what: 'healthy again' },
    );
  });

  it('Redis frozen (SIGSTOP): down within the timeout', async () => {
    const nest = await start();
    server!.pause();
    const started = Date.now();
    const response = await request(nest.getHttpServer()).get('/health');
    expect(response.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
    server!.resume();
  });

  it('dead letters over maxDeadLetters: down, the count reported', async () => {
    const nest = await start();
    const cache = nest.get(RedisCacheService);
    cache.writeBehindQueue.registerWriter('failing', () => {
      throw new Error('database refused');
    });
    await cache.writeBehind('order:1', { n: 1 }, 'failing');
    const response = await eventually(
      () => request(nest.getHttpServer()).get('/health/strict'),
      (res) => res.status === 503,
      { what: 'the job dead-lettered' },
    );
    expect(response.body.error.cache.writeBehind.deadLetters).toBe(1);
    expect(response.body.error.cache.message).toMatch(/dead letters 1 > 0/);
    // Without the limit it is only reported.
    const lenient = await request(nest.getHttpServer()).get('/health');
    expect(lenient.status).toBe(200);
    expect(lenient.body.details.cache.writeBehind.deadLetters).toBe(1);
  });

  it('bad options are refused with the option named', async () => {
    const nest = await start();
    const indicator = nest.get(RedisCacheHealthIndicator);
    await expect(indicator.isHealthy('cache', { maxBacklog: -1 })).rejects.toThrow(
      CacheConfigError,
    );
    await expect(indicator.isHealthy('cache', { timeout: 'soon' })).rejects.toThrow(/timeout/);
    await expect(
      indicator.isHealthy('cache', { maxBacklogs: 1 } as unknown as { maxBacklog: number }),
    ).rejects.toThrow(/maxBacklogs/);
  });
});
