// Builds a real Nest HTTP application (Express, or Fastify when asked) with RedisCacheModule on the suite's Redis and a
// namespace of its own, for tests that send requests with supertest; closes it afterwards.
import type { INestApplication, ModuleMetadata, Type } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  RedisCacheModule,
  RedisCacheService,
  type RedisCacheModuleOptions,
} from '../../lib/index.js';
import { sharedRedisUrl, TEST_COMMAND_TIMEOUT, uniqueNamespace } from './cache-app.js';

export interface HttpCacheApp {
  app: INestApplication;
  cache: RedisCacheService;
  namespace: string;
  http(): ReturnType<typeof request>;
  get<T>(type: Type<T>): T;
  close(): Promise<void>;
}

export type HttpPlatform = 'express' | 'fastify';

export interface HttpCacheAppOptions extends ModuleMetadata {
  cache?: RedisCacheModuleOptions;
  /** Default 'express'. */
  platform?: HttpPlatform;
}

export async function createHttpCacheApp(options: HttpCacheAppOptions = {}): Promise<HttpCacheApp> {
  const { cache: cacheOptions = {}, imports = [], platform = 'express', ...metadata } = options;
  const namespace = cacheOptions.namespace ?? uniqueNamespace();
  const module = await Test.createTestingModule({
    ...metadata,
    imports: [
      // As in createCacheApp: no background stats flush unless the test sets statsFlushInterval.
      RedisCacheModule.forRoot({
        url: sharedRedisUrl(),
        statsFlushInterval: false,
        commandTimeout: TEST_COMMAND_TIMEOUT,
        ...cacheOptions,
        namespace,
      }),
      ...imports,
    ],
  }).compile();
  const app =
    platform === 'fastify'
      ? module.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
          logger: false,
        })
      : module.createNestApplication({ logger: false });
  await app.init();
  if (platform === 'fastify')
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  return {
    app,
    cache: app.get(RedisCacheService),
    namespace,
    http: () => request(app.getHttpServer()),
    get: (type) => app.get(type),
    close: () => app.close(),
  };
}
