// CacheStatsInterceptor registered globally tallies HTTP requests where the adapter calls the
// route (lib/http/route-tallies.ts), outside Nest's interceptor pipeline: same header, same
// per-handler counts, lookups deep in services and concurrent requests kept apart, on Express and
// Fastify; a subclass that names handlers or headers from the ExecutionContext stays in the
// pipeline; non-HTTP handlers still find the interceptor among the global ones.
import {
  Controller,
  Get,
  Injectable,
  Param,
  Query,
  type CallHandler,
  type ExecutionContext,
} from '@nestjs/common';
import { APP_INTERCEPTOR, ApplicationConfig } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Cacheable, CacheStatsInterceptor, RedisCacheService } from '../../lib/index.js';
import { sleep } from '../support/eventually.js';
import {
  createHttpCacheApp,
  type HttpCacheApp,
  type HttpPlatform,
} from '../support/http-cache-app.js';

@Injectable()
class StockService {
  @Cacheable({ key: 'stock:{0}' })
  async level(sku: string): Promise<number> {
    await sleep(3);
    return sku.length;
  }
}

@Controller('stock')
class StockController {
  constructor(
    private readonly stock: StockService,
    private readonly cache: RedisCacheService,
  ) {}

  @Get('slow/:id')
  async slow(@Param('id') id: string, @Query('wait') wait: string) {
    await sleep(Number(wait));
    const first = await this.stock.level(id);
    await sleep(Number(wait));
    return { first, second: await this.cache.get(`stock-missing:${id}`) };
  }

  @Get('none')
  none() {
    return { cached: false };
  }

  @Get(':sku')
  async level(@Param('sku') sku: string) {
    return { level: await this.stock.level(sku) };
  }
}

/** Counts the requests that went through Nest's interceptor pipeline. */
@Injectable()
class CountingStatsInterceptor extends CacheStatsInterceptor {
  static intercepted = 0;
  override intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    CountingStatsInterceptor.intercepted++;
    return super.intercept(context, next);
  }
}

/** Picks the header per handler from the ExecutionContext: needs the pipeline. */
@Injectable()
class PerHandlerHeaderInterceptor extends CacheStatsInterceptor {
  protected override headerName(context: ExecutionContext): string | false {
    return context.getHandler().name === 'none' ? false : 'X-Stock-Cache';
  }
}

for (const platform of ['express', 'fastify'] as HttpPlatform[]) {
  describe(`as APP_INTERCEPTOR on ${platform}`, () => {
    let app: HttpCacheApp;
    beforeAll(async () => {
      app = await createHttpCacheApp({
        platform,
        controllers: [StockController],
        providers: [StockService, { provide: APP_INTERCEPTOR, useClass: CountingStatsInterceptor }],
      });
    });
    afterAll(() => app.close());
    beforeEach(async () => {
      await app.cache.clear();
      app.cache.resetStats();
      CountingStatsInterceptor.intercepted = 0;
    });

    it('tallies HTTP requests without entering Nest’s interceptor pipeline', async () => {
      const miss = await app.http().get('/stock/a-1').expect(200);
      expect(miss.headers['x-cache']).toBe('MISS');
      const hit = await app.http().get('/stock/a-1').expect(200);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.body).toEqual({ level: 3 });
      expect((await app.http().get('/stock/none').expect(200)).headers['x-cache']).toBeUndefined();
      expect(app.cache.stats().handlers).toEqual({
        'StockController#level': { hits: 1, misses: 1, hitRatio: 0.5 },
      });
      expect(CountingStatsInterceptor.intercepted).toBe(0);
    });

    it('keeps concurrent requests apart, lookups made after awaits included', async () => {
      await app.cache.set('stock:warm', 4);
      const requests = [
        ['/stock/slow/warm?wait=40', 'PARTIAL'],
        ['/stock/slow/cold-a?wait=30', 'MISS'],
        ['/stock/slow/cold-b?wait=20', 'MISS'],
        ['/stock/b-1', 'MISS'],
      ] as const;
      const responses = await Promise.all(requests.map(([url]) => app.http().get(url)));
      expect(responses.map((r) => r.headers['x-cache'])).toEqual(requests.map(([, h]) => h));
      expect(app.cache.stats().handlers['StockController#slow']).toMatchObject({
        hits: 1,
        misses: 5,
      });
      expect(app.cache.stats().handlers['StockController#level']).toMatchObject({
        hits: 0,
        misses: 1,
      });
    });

    it('is back among the global interceptors for non-HTTP handlers after bootstrap', () => {
      const globals = app.get(ApplicationConfig).getGlobalInterceptors();
      expect(globals.some((i) => i instanceof CountingStatsInterceptor)).toBe(true);
    });
  });
}

describe('a subclass naming the header from the ExecutionContext', () => {
  let app: HttpCacheApp;
  beforeAll(async () => {
    app = await createHttpCacheApp({
      controllers: [StockController],
      providers: [
        StockService,
        { provide: APP_INTERCEPTOR, useClass: PerHandlerHeaderInterceptor },
      ],
    });
  });
  afterAll(() => app.close());

  it('stays in the pipeline, where its headerName sees each handler', async () => {
    const response = await app.http().get('/stock/c-1').expect(200);
    expect(response.headers['x-stock-cache']).toBe('MISS');
    expect(response.headers['x-cache']).toBeUndefined();
    expect(app.cache.stats().handlers['StockController#level']).toMatchObject({ misses: 1 });
  });
});
