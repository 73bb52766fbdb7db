// CacheStatsInterceptor in real Nest HTTP apps: the X-Cache header, per-handler tallies that
// include lookups of decorated services deep inside the handler, and no leaking between
// concurrent requests.
import { Controller, Get, Injectable, Param, Query, UseInterceptors } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Cacheable, CacheStatsInterceptor, RedisCacheService } from '../../lib/index.js';
import { sleep } from '../support/eventually.js';
import { createHttpCacheApp, type HttpCacheApp } from '../support/http-cache-app.js';

@Injectable()
class PricesService {
  @Cacheable({ key: 'price:{0}' })
  async price(sku: string): Promise<number> {
    await sleep(5);
    return sku.length;
  }
}

@Injectable()
class ProductsService {
  constructor(private readonly prices: PricesService) {}

  @Cacheable({ key: 'product:{0}' })
  async findOne(id: string) {
    return { id, price: await this.prices.price(`sku-${id}`) };
  }

  /** Nested decorated calls: the product, then one price lookup per extra sku. */
  async bundle(ids: string[]) {
    const products = await Promise.all(ids.map((id) => this.findOne(id)));
    const prices = await Promise.all(ids.map((id) => this.prices.price(`bundle-${id}`)));
    return { products, prices };
  }
}

@Controller('products')
@UseInterceptors(CacheStatsInterceptor)
class ProductsController {
  constructor(
    private readonly products: ProductsService,
    private readonly cache: RedisCacheService,
  ) {}

  @Get('bundle')
  bundle(@Query('ids') ids: string) {
    return this.products.bundle(ids.split(','));
  }

  @Get('slow/:id')
  async slow(@Param('id') id: string, @Query('wait') wait: string) {
    await sleep(Number(wait));
    const first = await this.cache.getOrSet(`slow:${id}`, () => id);
    await sleep(Number(wait));
    return { first, second: await this.cache.get(`slow-missing:${id}`) };
  }

  @Get('none')
  none() {
    return { cached: false };
  }

  @Get(':id')
  findOne(@Param('id') id: string) {
    return this.products.findOne(id);
  }
}

@Controller('global')
class GlobalController {
  constructor(private readonly cache: RedisCacheService) {}

  @Get(':key')
  async read(@Param('key') key: string) {
    return { value: (await this.cache.getOrSet(key, () => 'v')) ?? null };
  }
}

describe('with @UseInterceptors', () => {
  let app: HttpCacheApp;
  beforeAll(async () => {
    app = await createHttpCacheApp({
      controllers: [ProductsController],
      providers: [ProductsService, PricesService],
    });
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.cache.clear();
    app.cache.resetStats();
  });

  it('says MISS, then HIT, for the lookups the request made', async () => {
    const miss = await app.http().get('/products/1').expect(200);
    expect(miss.headers['x-cache']).toBe('MISS');
    const hit = await app.http().get('/products/1').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toEqual(miss.body);
  });

  it('says PARTIAL when some lookups hit and some missed', async () => {
    await app.http().get('/products/1').expect(200);
    const partial = await app.http().get('/products/bundle?ids=1,2').expect(200);
    expect(partial.headers['x-cache']).toBe('PARTIAL');
  });

  it('sets no header when the request made no lookup', async () => {
    const response = await app.http().get('/products/none').expect(200);
    expect(response.headers['x-cache']).toBeUndefined();
  });

  it('counts nested decorated calls toward the handler, and per method', async () => {
    // product:1 miss -> price:sku-1 miss; product:2 miss -> price:sku-2 miss; two bundle prices miss.
    await app.http().get('/products/bundle?ids=1,2').expect(200);
    // product:1 hit, product:3 miss -> price:sku-3 miss; bundle-1 hit, bundle-3 miss.
    await app.http().get('/products/bundle?ids=1,3').expect(200);
    await app.http().get('/products/3').expect(200); // product:3 hit
    const stats = app.cache.stats();
    expect(stats.handlers['ProductsController#bundle']).toEqual({
      hits: 2,
      misses: 9,
      hitRatio: 2 / 11,
    });
    expect(stats.handlers['ProductsController#findOne']).toEqual({
      hits: 1,
      misses: 0,
      hitRatio: 1,
    });
    expect(stats.methods['ProductsService.findOne']).toEqual({ hits: 2, misses: 3, hitRatio: 0.4 });
    expect(stats.methods['PricesService.price']).toEqual({ hits: 1, misses: 6, hitRatio: 1 / 7 });
    expect(stats.hits).toBe(3);
    expect(stats.misses).toBe(9);
  });

  it('keeps concurrent requests apart', async () => {
    await app.cache.set('slow:warm', 'warm');
    // Interleaved: each request waits between its two lookups while the others make theirs.
    const requests = [
      ['/products/slow/warm?wait=40', 'PARTIAL'], // hit then miss
      ['/products/slow/cold-a?wait=30', 'MISS'], // miss then miss
      ['/products/slow/cold-b?wait=20', 'MISS'],
      ['/products/1', 'MISS'], // two misses (product, price)
    ] as const;
    for (let round = 0; round < 3; round++) {
      await app.cache.del('slow:cold-a', 'slow:cold-b', 'product:1', 'price:sku-1');
      const responses = await Promise.all(requests.map(([url]) => app.http().get(url)));
      expect(responses.map((r) => r.headers['x-cache'])).toEqual(requests.map(([, h]) => h));
    }
    const slow = app.cache.stats().handlers['ProductsController#slow'];
    expect(slow).toMatchObject({ hits: 3, misses: 15 });
    expect(app.cache.stats().handlers['ProductsController#findOne']).toMatchObject({
      hits: 0,
      misses: 6,
    });
  });

  it('counts lookups outside any request toward no handler', async () => {
    await app.get(ProductsService).findOne('9');
    const stats = app.cache.stats();
    expect(stats.handlers).toEqual({});
    expect(stats.methods['ProductsService.findOne']).toMatchObject({ misses: 1 });
  });
});

describe('as APP_INTERCEPTOR, with a custom header', () => {
  let app: HttpCacheApp;
  beforeAll(async () => {
    app = await createHttpCacheApp({
      cache: { stats: { header: 'X-Api-Cache' } },
      controllers: [GlobalController, ProductsController],
      providers: [
        ProductsService,
        PricesService,
        { provide: APP_INTERCEPTOR, useClass: CacheStatsInterceptor },
      ],
    });
  });
  afterAll(() => app.close());

  it('tallies every handler and sets the configured header', async () => {
    const miss = await app.http().get('/global/a').expect(200);
    expect(miss.headers['x-api-cache']).toBe('MISS');
    expect(miss.headers['x-cache']).toBeUndefined();
    expect((await app.http().get('/global/a')).headers['x-api-cache']).toBe('HIT');
    expect(app.cache.stats().handlers['GlobalController#read']).toEqual({
      hits: 1,
      misses: 1,
      hitRatio: 0.5,
    });
  });

  it('counts a request once when the interceptor is also on the controller', async () => {
    app.cache.resetStats();
    await app.http().get('/products/77').expect(200);
    expect(app.cache.stats().handlers['ProductsController#findOne']).toMatchObject({ misses: 2 });
  });
});

describe('with stats: { header: false }', () => {
  let app: HttpCacheApp;
  beforeAll(async () => {
    app = await createHttpCacheApp({
      cache: { stats: { header: false } },
      controllers: [GlobalController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: CacheStatsInterceptor }],
    });
  });
  afterAll(() => app.close());

  it('sets no header but still tallies', async () => {
    const response = await app.http().get('/global/b').expect(200);
    expect(response.headers['x-cache']).toBeUndefined();
    expect(app.cache.stats().handlers['GlobalController#read']).toMatchObject({ misses: 1 });
  });
});
