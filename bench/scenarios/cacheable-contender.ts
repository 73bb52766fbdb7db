// @Cacheable on a service method, as a hit/miss contender. The decorators land in a separate
// issue: this looks for `Cacheable` among the library's exports at run time and applies it the
// way TypeScript would, so the benchmark runs whether or not they exist yet.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import * as library from 'nestjs-redis-cache';
import { TTL_SECONDS, type Contender, type RedisTarget } from '../support/contenders.js';

type MethodDecoratorFactory = (options?: Record<string, unknown>) => MethodDecorator;

/** The library's `Cacheable` decorator factory, or undefined while it is not exported. */
export function cacheableDecorator(): MethodDecoratorFactory | undefined {
  return (library as Record<string, unknown>).Cacheable as MethodDecoratorFactory | undefined;
}

/** Applies a method decorator like TypeScript's emitted __decorate does. */
export function decorateMethod(target: object, method: string, decorator: MethodDecorator): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, method)!;
  const result = decorator(target, method, descriptor) ?? descriptor;
  Object.defineProperty(target, method, result);
}

export async function cacheableContender(
  name: string,
  redis: RedisTarget,
): Promise<Contender | undefined> {
  const Cacheable = cacheableDecorator();
  if (!Cacheable) return undefined;

  @Injectable()
  class OrdersService {
    compute: (() => unknown) | undefined;

    async find(_id: string): Promise<unknown> {
      return this.compute!();
    }
  }
  decorateMethod(
    OrdersService.prototype,
    'find',
    Cacheable({ key: 'order:{0}', ttl: TTL_SECONDS }),
  );

  @Module({ providers: [OrdersService] })
  class OrdersModule {}

  const app = await NestFactory.createApplicationContext(
    {
      module: OrdersModule,
      imports: [
        library.RedisCacheModule.forRoot({ url: redis.url, namespace: 'dec', ttl: TTL_SECONDS }),
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
