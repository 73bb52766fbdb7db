// The behaviours of @nestjs/cache-manager's own e2e suite (default and custom TTL, X-Cache,
// CacheClean on success only, async registration with extra providers), for apps whose only change
// is the import line, on real Redis, on Express and on Fastify. TTLs run out on a ManualClock put in
// with overrideProvider(CACHE_CLOCK): advanced, not slept for.
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cache,
  CACHE_MANAGER,
  CacheModule,
  type CacheManagerOptions,
} from 'nestjs-redis-cache/cache-manager';
import { CACHE_CLOCK, ManualClock } from 'nestjs-redis-cache/testing';
import { sharedRedisUrl, TEST_COMMAND_TIMEOUT, uniqueNamespace } from '../support/cache-app.js';
import {
  CacheCleanController,
  CacheConfig,
  ClassTokenController,
  ConfigService,
  CustomTtlController,
  DefaultTtlController,
  TenantCacheInterceptor,
  TenantController,
} from './fixtures/compat-controllers.js';

type Platform = 'express' | 'fastify';

let app: INestApplication | undefined;
/** The clock of the latest start(), started at the real time of its creation. */
let clock: ManualClock;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

function connection(): CacheManagerOptions {
  return {
    url: sharedRedisUrl(),
    namespace: uniqueNamespace('cm'),
    redisTimeouts: { command: TEST_COMMAND_TIMEOUT },
    stats: { flushInterval: false },
  };
}

async function start(
  platform: Platform,
  imports: DynamicModule[],
  controllers: Type[],
  providers: Type[] = [],
): Promise<INestApplication> {
  clock = new ManualClock();
  const module = await Test.createTestingModule({ imports, controllers, providers })
    .overrideProvider(CACHE_CLOCK)
    .useValue(clock)
    .compile();
  if (platform === 'fastify') {
    const fastify = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    await fastify.init();
    await fastify.getHttpAdapter().getInstance().ready();
    app = fastify;
  } else {
    app = module.createNestApplication({ logger: false });
    await app.init();
  }
  return app;
}

describe.each<Platform>(['express', 'fastify'])('on %s', (platform) => {
  describe('default TTL (5 s, as @nestjs/cache-manager)', () => {
    it('keeps a value set without a TTL for 5 seconds', async () => {
      const app = await start(
        platform,
        [CacheModule.register(connection())],
        [DefaultTtlController],
      );
      const server = app.getHttpServer();
      await request(server).get('/').expect(200, 'Not found');
      await request(server).get('/').expect(200, 'value');
      const expires = (await app.get<Cache>(CACHE_MANAGER).ttl('key'))!;
      expect(expires - Date.now()).toBeGreaterThan(3_500);
      expect(expires - Date.now()).toBeLessThanOrEqual(5_000);
      clock.advance(expires - clock.now() + 300);
      await request(server).get('/').expect(200, 'Not found');
    }, 15_000);

    it('injects the same cache by the Cache class token', async () => {
      const app = await start(
        platform,
        [CacheModule.register(connection())],
        [ClassTokenController],
      );
      await request(app.getHttpServer()).get('/').expect(200, 'Not found');
      await request(app.getHttpServer()).get('/').expect(200, 'value');
      expect(app.get(Cache)).toBe(app.get(CACHE_MANAGER));
    });
  });

  describe('CacheInterceptor with CacheTTL (milliseconds)', () => {
    it('serves the cached value within the handler TTL and a new one after it', async () => {
      const app = await start(
        platform,
        [CacheModule.register(connection())],
        [CustomTtlController],
      );
      const server = app.getHttpServer();
      await request(server).get('/').expect(200, '0');
      clock.advance(200);
      await request(server).get('/').expect(200, '0');
      clock.advance(800);
      await request(server).get('/').expect(200, '1');
    });

    it('falls back to the controller TTL', async () => {
      const app = await start(
        platform,
        [CacheModule.register(connection())],
        [CustomTtlController],
      );
      const server = app.getHttpServer();
      await request(server).get('/controller').expect(200, '0');
      clock.advance(1_000);
      await request(server).get('/controller').expect(200, '0');
      clock.advance(700);
      await request(server).get('/controller').expect(200, '1');
    });

    it('takes a key and a TTL from factories', async () => {
      const app = await start(
        platform,
        [CacheModule.register(connection())],
        [CustomTtlController],
      );
      await request(app.getHttpServer()).get('/factory').expect(200, '0');
      await request(app.getHttpServer()).get('/factory').expect(200, '0');
      const cache = app.get<Cache>(CACHE_MANAGER);
      expect(await cache.get('by-factory:getWithFactories')).toBe(0);
      expect((await cache.ttl('by-factory:getWithFactories'))! - Date.now()).toBeGreaterThan(
        50_000,
      );
    });

    it('keys GET responses by URL, query string included, and never caches a POST', async () => {
      const app = await start(
        platform,
        [CacheModule.register(connection())],
        [CustomTtlController],
      );
      const server = app.getHttpServer();
      await request(server).get('/controller?page=1').expect(200, '0');
      await request(server).get('/controller?page=2').expect(200, '1');
      await request(server).get('/controller?page=1').expect(200, '0');
      await request(server).post('/not-cached').expect(201, '2');
      await request(server).post('/not-cached').expect(201, '3');
      expect(await app.get<Cache>(CACHE_MANAGER).get('/controller?page=2')).toBe(1);
    });

    it('lets a subclass override trackBy and the allowed methods', async () => {
      const app = await start(
        platform,
        [CacheModule.register(connection())],
        [TenantController],
        [TenantCacheInterceptor],
      );
      const server = app.getHttpServer();
      await request(server).get('/tenant').set('x-tenant', 'a').expect(200, '0');
      await request(server).get('/tenant').set('x-tenant', 'b').expect(200, '1');
      await request(server).get('/tenant').set('x-tenant', 'a').expect(200, '0');
      await request(server).get('/tenant').expect(200, '2');
      await request(server).get('/tenant').expect(200, '3');
    });
  });

  describe('X-Cache header', () => {
    it('is MISS when the cache was not hit, HIT when it was', async () => {
      const app = await start(
        platform,
        [CacheModule.register(connection())],
        [CustomTtlController],
      );
      await request(app.getHttpServer()).get('/').expect('X-Cache', 'MISS');
      await request(app.getHttpServer()).get('/').expect('X-Cache', 'HIT');
    });
  });

  describe('apps built one after another (a new app per test)', () => {
    it('finds the last app\'s entries until clear(), as migrating.md "Your tests" says', async () => {
      const options = connection();
      const modules = [CacheModule.register(options)];
      const first = await start(platform, modules, [DefaultTtlController]);
      await request(first.getHttpServer()).get('/').expect(200, 'Not found');
      await first.close();

      const second = await start(platform, modules, [DefaultTtlController]);
      await request(second.getHttpServer()).get('/').expect(200, 'value');
      await second.close();

      const third = await start(platform, modules, [DefaultTtlController]);
      await third.get<Cache>(CACHE_MANAGER).clear();
      await request(third.getHttpServer()).get('/').expect(200, 'Not found');
    });
  });

  describe('CacheClean', () => {
    it('cleans the key after a successful request', async () => {
      const app = await start(
        platform,
        [CacheModule.register(connection())],
        [CacheCleanController],
      );
      const server = app.getHttpServer();
      await request(server).get('/timeline').expect(200).expect('X-Cache', 'MISS');
      await request(server).get('/timeline').expect(200).expect('X-Cache', 'HIT');
      await request(server).post('/posts').send({ title: 'New Post' }).expect(201);
      const after = await request(server).get('/timeline').expect(200).expect('X-Cache', 'MISS');
      expect(after.body.timeline).toEqual(['Initial post', 'New Post']);
    });

    it('cleans nothing when the request fails', async () => {
      const app = await start(
        platform,
        [CacheModule.register(connection())],
        [CacheCleanController],
      );
      const server = app.getHttpServer();
      await request(server).get('/timeline').expect(200).expect('X-Cache', 'MISS');
      await request(server).get('/timeline').expect(200).expect('X-Cache', 'HIT');
      await request(server).post('/posts').send({}).expect(400);
      await request(server).get('/timeline').expect(200).expect('X-Cache', 'HIT');
    });
  });

  describe('registerAsync', () => {
    it('takes its options from a useClass factory that injects an extra provider', async () => {
      ConfigService.connection = connection();
      const app = await start(
        platform,
        [
          CacheModule.registerAsync({
            extraProviders: [ConfigService],
            isGlobal: true,
            useClass: CacheConfig,
          }),
        ],
        [DefaultTtlController],
      );
      await request(app.getHttpServer()).get('/').expect(200, 'Not found');
      await request(app.getHttpServer()).get('/').expect(200, 'value');
      // ConfigService.getTtl(): 1000 ms.
      const left = (await app.get<Cache>(CACHE_MANAGER).ttl('key'))! - Date.now();
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(1_000);
    });

    it('takes its options from useFactory with inject', async () => {
      const options = connection();
      const app = await start(
        platform,
        [
          CacheModule.registerAsync({
            extraProviders: [ConfigService],
            inject: [ConfigService],
            useFactory: (config: ConfigService) => ({ ...options, ttl: config.getTtl() * 30 }),
          }),
        ],
        [DefaultTtlController],
      );
      await request(app.getHttpServer()).get('/').expect(200, 'Not found');
      await request(app.getHttpServer()).get('/').expect(200, 'value');
      const left = (await app.get<Cache>(CACHE_MANAGER).ttl('key'))! - Date.now();
      expect(left).toBeGreaterThan(20_000);
      expect(left).toBeLessThanOrEqual(30_000);
    });
  });
});
