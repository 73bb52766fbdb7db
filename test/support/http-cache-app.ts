// Builds a real Nest HTTP application (Express, or Fastify when asked) with RedisCacheModule on the suite's Redis and a
// namespace of its own, listening on a free local port, for tests that send requests with supertest; closes it
// afterwards.
import type { INestApplication, ModuleMetadata, Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  RedisCacheModule,
  RedisCacheService,
  type CacheableRequest,
  type RedisCacheModuleOptions,
} from '../../lib/index.js';
import type { CacheClock } from '../../lib/testing/index.js';
import { sharedRedisUrl, testCacheOptions, uniqueNamespace, withClock } from './cache-app.js';

export interface HttpCacheApp {
  app: INestApplication;
  cache: RedisCacheService;
  namespace: string;
  /** The host name response keys hold for supertest's requests (its Host header less the port). */
  host: string;
  http(): ReturnType<typeof request>;
  get<T>(type: Type<T>): T;
  close(): Promise<void>;
}

export type HttpPlatform = 'express' | 'fastify';

export interface HttpCacheAppOptions extends ModuleMetadata {
  cache?: RedisCacheModuleOptions;
  /** The cache's clock (a ManualClock): replaces the CACHE_CLOCK provider. */
  clock?: CacheClock;
  /** Default 'express'. */
  platform?: HttpPlatform;
  /** Trusts every proxy (`X-Forwarded-Host` and the like): Express's `trust proxy`, Fastify's `trustProxy`. */
  trustProxy?: boolean;
  /**
   * Default true: listens once, on one port. False leaves it to supertest, which starts the server
   * on a new port for each request (as the common Nest e2e test does).
   */
  listen?: boolean;
}

/** Counts calls of test handlers by name (`calls.list`); `reset()` between tests. */
export function callCounter() {
  const calls: Record<string, number> = {};
  return {
    calls,
    count: (name: string) => (calls[name] = (calls[name] ?? 0) + 1),
    reset: () => {
      for (const name of Object.keys(calls)) delete calls[name];
    },
  };
}

/** A `perUser` for tests: the user is the bearer token itself (as a verified token's subject would be). */
export function bearerUser(request: CacheableRequest): string | undefined {
  const auth = request.headers.authorization;
  return typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
}

export async function createHttpCacheApp(options: HttpCacheAppOptions = {}): Promise<HttpCacheApp> {
  const {
    cache: cacheOptions = {},
    imports = [],
    platform = 'express',
    trustProxy = false,
    listen = true,
    clock,
    ...metadata
  } = options;
  const namespace = cacheOptions.namespace ?? uniqueNamespace();
  const builder = Test.createTestingModule({
    ...metadata,
    imports: [
      RedisCacheModule.forRoot(
        testCacheOptions({ url: sharedRedisUrl(), ...cacheOptions, namespace }),
      ),
      ...imports,
    ],
  });
  const module = await withClock(builder, clock).compile();
  const app =
    platform === 'fastify'
      ? module.createNestApplication<NestFastifyApplication>(new FastifyAdapter({ trustProxy }), {
          logger: false,
        })
      : module.createNestApplication<NestExpressApplication>({ logger: false });
  if (platform === 'express' && trustProxy)
    (app as NestExpressApplication).set('trust proxy', true);
  if (listen) await app.listen(0, '127.0.0.1');
  else {
    await app.init();
    // Fastify answers the server's requests only once its plugins are loaded (Nest's e2e recipe).
    if (platform === 'fastify')
      await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  }
  return {
    app,
    cache: app.get(RedisCacheService),
    namespace,
    host: '127.0.0.1',
    http: () => request(app.getHttpServer()),
    get: (type) => app.get(type),
    close: () => app.close(),
  };
}
