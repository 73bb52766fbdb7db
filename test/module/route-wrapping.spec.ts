// The contract lib/module/route-wrapping.ts relies on in @nestjs/core, checked against the
// installed Nest on Express and on Fastify: a module's configure() runs before Nest registers the
// HTTP routes, every route reaches the adapter through its request-method functions (get, post,
// ...) with the handler last, before onModuleInit; the wrapped handler is what serves requests and
// keeps what the adapter reads from it. And when a Nest registers routes otherwise, the app fails
// to start with an error naming the Nest version.
import { createRequire } from 'node:module';
import {
  All,
  Controller,
  Get,
  Module,
  Param,
  Post,
  Req,
  type INestApplication,
  type NestModule,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule, DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import {
  REQUEST_METHOD_MAP,
  RouterMethodFactory,
} from '@nestjs/core/helpers/router-method-factory.js';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, RouteConfig } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CacheStatsInterceptor, RedisCacheError, RedisCacheModule } from '../../lib/index.js';
import { wrapRoutes } from '../../lib/module/route-wrapping.js';
import type { RouteHandler } from '../../lib/http/cache-stats.interceptor.js';
import { sharedRedisUrl, TEST_COMMAND_TIMEOUT, uniqueNamespace } from '../support/cache-app.js';

const NEST_CORE_VERSION = (
  createRequire(import.meta.url)('@nestjs/core/package.json') as { version: string }
).version;

@Controller('items')
class ItemsController {
  @Get(':id')
  find(@Param('id') id: string) {
    return { id };
  }

  @Post()
  create() {
    return { created: true };
  }

  @All('any')
  any() {
    return { any: true };
  }

  // Fastify reads a route's config from the handler it is given (the wrapper, here).
  @RouteConfig({ label: 'configured' })
  @Get('config/label')
  label(@Req() req: { routeOptions?: { config?: { label?: string } } }) {
    return { label: req.routeOptions?.config?.label ?? null };
  }
}

/** What the probe saw, in order: its hooks, and each route as the adapter received it. */
const seen: string[] = [];
/** Requests that went through a wrapped handler, by route name. */
const served: string[] = [];

/** Wraps the routes with lib/module/route-wrapping.ts exactly as RedisCacheModule does. */
@Module({ imports: [DiscoveryModule] })
class ProbeModule implements NestModule, OnModuleInit {
  private unwrap?: () => void;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly discovery: DiscoveryService,
  ) {}

  configure(): void {
    seen.push('configure');
    const record = (route: RouteHandler): RouteHandler => {
      seen.push(`route ${route.name}`);
      return (req, res, next) => {
        served.push(route.name);
        return route(req, res, next);
      };
    };
    this.unwrap = wrapRoutes(this.adapterHost.httpAdapter, [record], this.discovery);
  }

  onModuleInit(): void {
    seen.push('onModuleInit');
    this.unwrap?.();
  }
}

const PLATFORMS = [
  // Express has no route config; Fastify's is read from the handler.
  { name: 'Express', adapter: () => new ExpressAdapter(), label: null },
  { name: 'Fastify', adapter: () => new FastifyAdapter(), label: 'configured' },
] as const;

let app: INestApplication | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await app?.close();
  app = undefined;
  seen.length = 0;
  served.length = 0;
});

async function start(
  adapter: ExpressAdapter | FastifyAdapter,
  imports: (Type | ReturnType<typeof RedisCacheModule.forRoot>)[],
  providers: { provide: string; useClass: Type }[] = [],
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports,
    controllers: [ItemsController],
    providers,
  }).compile();
  app = moduleRef.createNestApplication(adapter, { logger: false });
  await app.init();
  if (adapter instanceof FastifyAdapter) await adapter.getInstance().ready();
  return app;
}

describe.each(PLATFORMS)('@nestjs/core on $name', ({ adapter, label }) => {
  it("calls configure(), then registers every route through the adapter's request-method functions, then onModuleInit()", async () => {
    await start(adapter(), [ProbeModule]);
    expect(seen[0]).toBe('configure');
    expect(seen.at(-1)).toBe('onModuleInit');
    // Each handler named `Controller.method`, as RouteTallies names its tallies.
    expect(seen.slice(1, -1).sort()).toEqual(
      expect.arrayContaining([
        'route ItemsController.any',
        'route ItemsController.create',
        'route ItemsController.find',
        'route ItemsController.label',
      ]),
    );
    expect(seen.filter((event) => !event.startsWith('route ItemsController.'))).toEqual([
      'configure',
      'onModuleInit',
    ]);
  });

  it('serves every request through the wrapped handler, which keeps what the adapter reads from the route', async () => {
    const server = (await start(adapter(), [ProbeModule])).getHttpServer();
    expect((await request(server).get('/items/7').expect(200)).body).toEqual({ id: '7' });
    expect((await request(server).post('/items').expect(201)).body).toEqual({ created: true });
    expect((await request(server).delete('/items/any').expect(200)).body).toEqual({ any: true });
    expect((await request(server).get('/items/config/label').expect(200)).body).toEqual({ label });
    expect(served).toEqual([
      'ItemsController.find',
      'ItemsController.create',
      'ItemsController.any',
      'ItemsController.label',
    ]);
  });

  it('gives the adapter its own functions back at onModuleInit: a route added later is not wrapped', async () => {
    const started = await start(adapter(), [ProbeModule]);
    const httpAdapter = started.getHttpAdapter() as unknown as Record<string, unknown>;
    for (const method of ['get', 'post', 'put', 'delete', 'patch', 'all'])
      expect(Object.hasOwn(httpAdapter, method), method).toBe(false);
  });

  it('fails to start, naming the Nest version, when routes bypass the request-method functions', async () => {
    // A Nest that registers routes otherwise: here through the adapter class's own functions,
    // looked up past whatever the instance carries.
    vi.spyOn(RouterMethodFactory.prototype, 'get').mockImplementation(
      (target, requestMethod) =>
        (Object.getPrototypeOf(target) as Record<string, never>)[REQUEST_METHOD_MAP[requestMethod]],
    );
    const failure = start(
      adapter(),
      [
        RedisCacheModule.forRoot({
          url: sharedRedisUrl(),
          namespace: uniqueNamespace(),
          stats: { flushInterval: false },
          redisTimeouts: { command: TEST_COMMAND_TIMEOUT },
        }),
      ],
      [{ provide: APP_INTERCEPTOR, useClass: CacheStatsInterceptor }],
    );
    await expect(failure).rejects.toBeInstanceOf(RedisCacheError);
    await expect(failure).rejects.toMatchObject({
      code: 'E_NEST_INCOMPATIBLE',
      message: expect.stringContaining(
        `@nestjs/core ${NEST_CORE_VERSION} registered none of the app's HTTP routes through the ${adapter().constructor.name}'s request-method functions`,
      ),
    });
  });
});

describe('the check does not cry wolf', () => {
  it('starts an app with a global CacheStatsInterceptor and no controller', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        RedisCacheModule.forRoot({
          url: sharedRedisUrl(),
          namespace: uniqueNamespace(),
          stats: { flushInterval: false },
          redisTimeouts: { command: TEST_COMMAND_TIMEOUT },
        }),
      ],
      providers: [{ provide: APP_INTERCEPTOR, useClass: CacheStatsInterceptor }],
    }).compile();
    app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
    await expect(app.init()).resolves.toBe(app);
  });
});
