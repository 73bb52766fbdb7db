// isGlobal: false, the Nest way: one module imports RedisCacheModule.forRoot({ isGlobal: false })
// and re-exports it; feature modules import that module and share its one connection. Importing
// the bare RedisCacheModule (no forRoot) fails saying so.
import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { CacheConfigError, RedisCacheModule, RedisCacheService } from '../../lib/index.js';
import { sharedRedisUrl, TEST_COMMAND_TIMEOUT, uniqueNamespace } from '../support/cache-app.js';

let module: TestingModule | undefined;

afterEach(async () => {
  await module?.close();
  module = undefined;
});

function sharedCacheModule(namespace: string) {
  @Module({
    imports: [
      RedisCacheModule.forRoot({
        isGlobal: false,
        url: sharedRedisUrl(),
        namespace,
        redisTimeouts: { command: TEST_COMMAND_TIMEOUT },
        stats: { flushInterval: false },
      }),
    ],
    exports: [RedisCacheModule],
  })
  class SharedCacheModule {}
  return SharedCacheModule;
}

@Injectable()
class OrdersService {
  constructor(readonly cache: RedisCacheService) {}
}

@Injectable()
class ProductsService {
  constructor(readonly cache: RedisCacheService) {}
}

describe('isGlobal: false', () => {
  it('works through a module that re-exports it: every importer gets the same service', async () => {
    const SharedCacheModule = sharedCacheModule(uniqueNamespace());
    @Module({ imports: [SharedCacheModule], providers: [OrdersService] })
    class OrdersModule {}
    @Module({ imports: [SharedCacheModule], providers: [ProductsService] })
    class ProductsModule {}
    module = await Test.createTestingModule({ imports: [OrdersModule, ProductsModule] }).compile();
    await module.init();
    const orders = module.get(OrdersService).cache;
    const products = module.get(ProductsService).cache;
    expect(orders).toBe(products);
    await orders.set('k', 'v');
    expect(await products.get('k')).toBe('v');
  });

  it('is not injectable in a module that does not import it', async () => {
    const SharedCacheModule = sharedCacheModule(uniqueNamespace());
    @Module({ providers: [OrdersService] })
    class OrdersModule {}
    await expect(
      Test.createTestingModule({ imports: [SharedCacheModule, OrdersModule] }).compile(),
    ).rejects.toThrow(/RedisCacheService/);
  });

  it('importing the bare RedisCacheModule fails at bootstrap naming forRoot and the re-export', async () => {
    @Module({ imports: [RedisCacheModule], providers: [OrdersService] })
    class OrdersModule {}
    const error: unknown = await Test.createTestingModule({ imports: [OrdersModule] })
      .compile()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as Error).message).toMatch(/without forRoot\(\)/);
    expect((error as Error).message).toMatch(/exports: \[RedisCacheModule\]/);
  });
});
