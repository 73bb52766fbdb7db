// What every ```ts block of the docs may use without declaring it (test/docs/docs-blocks.spec.ts
// compiles it with them): the names a block uses from nestjs-redis-cache, NestJS and ioredis, as
// if imported (a block may import them itself), and the pieces of the reader's own app the docs
// talk about (a Product, the database, a DTO); what a block injects is a class, as Nest needs.
// Global on purpose, so kept out of tsconfig.json: the repository's files import what they use.
import type * as Common from '@nestjs/common';
import type * as Core from '@nestjs/core';
import type * as Terminus from '@nestjs/terminus';
import type * as Library from 'nestjs-redis-cache';
import type { Cluster, Redis } from 'ioredis';
import type { Registry } from 'prom-client';

declare global {
  // NestJS
  const Body: typeof Common.Body;
  const Controller: typeof Common.Controller;
  const Get: typeof Common.Get;
  const Header: typeof Common.Header;
  const Injectable: typeof Common.Injectable;
  const Module: typeof Common.Module;
  const Param: typeof Common.Param;
  const Patch: typeof Common.Patch;
  const Query: typeof Common.Query;
  const Req: typeof Common.Req;
  const UseGuards: typeof Common.UseGuards;
  const UseInterceptors: typeof Common.UseInterceptors;
  const APP_INTERCEPTOR: typeof Core.APP_INTERCEPTOR;
  const HealthCheck: typeof Terminus.HealthCheck;
  const HealthCheckService: typeof Terminus.HealthCheckService;
  type HealthCheckService = Terminus.HealthCheckService;

  // nestjs-redis-cache
  const Cacheable: typeof Library.Cacheable;
  const CacheEvict: typeof Library.CacheEvict;
  const CachePut: typeof Library.CachePut;
  const CacheResponse: typeof Library.CacheResponse;
  const CacheStatsInterceptor: typeof Library.CacheStatsInterceptor;
  const CacheTags: typeof Library.CacheTags;
  const RedisCacheHealthIndicator: typeof Library.RedisCacheHealthIndicator;
  type RedisCacheHealthIndicator = Library.RedisCacheHealthIndicator;
  const RedisCacheModule: typeof Library.RedisCacheModule;
  const RedisCacheService: typeof Library.RedisCacheService;
  type RedisCacheService = Library.RedisCacheService;
  const WriteBehind: typeof Library.WriteBehind;
  const WriteBehindHandler: typeof Library.WriteBehindHandler;
  const WriteThrough: typeof Library.WriteThrough;
  type WriteBehindJobInfo = Library.WriteBehindJobInfo;

  // The reader's app
  interface Product {
    id: number;
    name: string;
    category: string;
    price: number;
  }
  interface Order {
    id: number;
    lines: { productId: number; quantity: number }[];
  }
  interface Cart {
    id: number;
    items: { productId: number; quantity: number }[];
  }
  interface User {
    id: number;
    name: string;
  }
  /** The app's data access (an ORM, a query builder...): a provider, so a class to inject. */
  class Database {
    products: {
      find(id: number): Promise<Product | null>;
      byCategory(slug: string, page: number): Promise<Product[]>;
      recommendedFor(userId: number): Promise<Product[]>;
      save(product: Product): Promise<Product>;
      delete(id: number): Promise<void>;
    };
    stock: { update(productId: number, stock: number): Promise<number> };
    orders: { upsert(order: Order): Promise<void>; byUser(userId: string): Promise<Order[]> };
    carts: { upsert(cart: Cart): Promise<void> };
    users: { update(user: User): Promise<User> };
  }
  class ListProductsDto {
    category?: string;
    page?: number;
  }
  class PriceDto {
    category: string;
    price: number;
  }
  class ProductsService {
    search(query: ListProductsDto): Promise<Product[]>;
    updatePrice(id: string, dto: PriceDto): Promise<Product>;
  }
  /** The app's root module, as `nest new` generates it. */
  class AppModule {}
  class AuthGuard implements Common.CanActivate {
    canActivate(): boolean;
  }
  interface AuthenticatedRequest {
    user: { id: string };
  }
  const db: Database;
  const cache: RedisCacheService;
  const user: User;
  const cart: Cart;
  const flags: { isOn(flag: string): boolean };
  const myRegistry: Registry;
  const existingClusterOrRedis: Redis | Cluster;
}
