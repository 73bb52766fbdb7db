// @Cacheable on a service method, as a hit/miss contender: the same lookups as getOrSet, through
// the decorator (its options are resolved once, at bootstrap).
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Cacheable, RedisCacheModule } from 'nestjs-redis-cache';
import { TTL_SECONDS, type Contender, type RedisTarget } from '../support/contenders.js';

@Injectable()
class OrdersService {
  compute: (() => unknown) | undefined;

  @Cacheable({ key: 'order:{0}', ttl: TTL_SECONDS })
  async find(_id: string): Promise<unknown> {
    return this.compute!();
  }
}

@Module({ providers: [OrdersService] })
class OrdersModule {}

export async function cacheableContender(
  name: string,
  redis: RedisTarget,
  module: { l1?: object } = {},
): Promise<Contender> {
  const app = await NestFactory.createApplicationContext(
    {
      module: OrdersModule,
      imports: [
        RedisCacheModule.forRoot({ url: redis.url, namespace: 'dec', ttl: TTL_SECONDS, ...module }),
      ],
    },
    { logger: ['error', 'warn'] },
  );
  await app.init();
  const orders = app.get(OrdersService);
  return {
    name,
    async fill(keys, value) {
      orders.compute = () => value;
      for (let i = 0; i < keys.length; i += 500)
        await Promise.all(keys.slice(i, i + 500).map((key) => orders.find(key)));
    },
    getOrSet(key, compute) {
      orders.compute = compute;
      return orders.find(key);
    },
    close: () => app.close(),
  };
}
