// The contenders of the in-process scenarios, each doing "get or compute and store" its own way:
// this library (with its switches), raw ioredis and node-redis by hand (GET + JSON.parse,
// SET EX + JSON.stringify), cache-manager on @keyv/redis (get, wrap) and bentocache on Redis.
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createCache, type Cache } from 'cache-manager';
import { Redis } from 'ioredis';
import KeyvRedis from '@keyv/redis';
import { Keyv } from 'keyv';
import { createClient } from 'redis';
import {
  RedisCacheModule,
  RedisCacheService,
  type RedisCacheModuleOptions,
} from 'nestjs-redis-cache';
import { createBento, type Bento } from './bentocache.js';

export const TTL_SECONDS = 3600;

export interface Contender {
  name: string;
  /** Stores `value` under each key, the way this contender writes. */
  fill(keys: string[], value: unknown): Promise<void>;
  /** The cached value of `key`, or compute()'s result, stored for next time. */
  getOrSet(key: string, compute: () => unknown): Promise<unknown>;
  close(): Promise<void>;
}

export interface RedisTarget {
  url: string;
  host: string;
  port: number;
}

@Module({})
class BenchAppModule {}

/** A Nest application context with RedisCacheModule, as an application would have. */
export async function createLibApp(
  options: RedisCacheModuleOptions,
): Promise<{ app: INestApplicationContext; cache: RedisCacheService }> {
  const app = await NestFactory.createApplicationContext(
    { module: BenchAppModule, imports: [RedisCacheModule.forRoot(options)] },
    { logger: ['error', 'warn'] },
  );
  await app.init();
  return { app, cache: app.get(RedisCacheService) };
}

export interface LibVariant {
  /** ioredis's own auto-pipelining on the module's connection (given in the `redis` option). */
  enableAutoPipelining?: boolean;
  tags?: string[];
  /** Extra module options (l1, lock...), for scenarios that test features other helpers add. */
  module?: Record<string, unknown>;
  /** Extra per-call getOrSet options. */
  call?: Record<string, unknown>;
}

let libContenders = 0;

export async function libContender(
  name: string,
  redis: RedisTarget,
  variant: LibVariant = {},
): Promise<Contender & { cache: RedisCacheService }> {
  const { app, cache } = await createLibApp({
    url: redis.url,
    // A namespace per contender: variants must not read each other's entries (a tagged
    // variant's fill would otherwise turn the plain variant's hits into tagged hits).
    namespace: `lib${++libContenders}`,
    ttl: TTL_SECONDS,
    // Unset switches keep the library's defaults, so the plain row is what users get.
    ...(variant.enableAutoPipelining === undefined
      ? {}
      : { redis: { enableAutoPipelining: variant.enableAutoPipelining } }),
    ...variant.module,
  } as RedisCacheModuleOptions);
  const callOptions = { ...(variant.tags ? { tags: variant.tags } : {}), ...variant.call };
  const hasOptions = Object.keys(callOptions).length > 0;
  return {
    name,
    cache,
    async fill(keys, value) {
      // 50 per call: 500 values of 50 KB in one mset (25 MB) outlast the 250 ms command timeout.
      for (let i = 0; i < keys.length; i += 50) {
        await cache.mset(keys.slice(i, i + 50).map((key) => ({ key, value, tags: variant.tags })));
      }
    },
    getOrSet: hasOptions
      ? (key, compute) => cache.getOrSet(key, compute, callOptions)
      : (key, compute) => cache.getOrSet(key, compute),
    close: () => app.close(),
  };
}

/**
 * This library's get() alone, for hit paths only (a miss returns undefined, never computes): what
 * getOrSet's hit is measured against, since a hit must cost the same whichever API was used.
 */
export async function libGetContender(
  name: string,
  redis: RedisTarget,
  variant: LibVariant = {},
): Promise<Contender> {
  const lib = await libContender(name, redis, variant);
  return { ...lib, getOrSet: (key) => lib.cache.get(key) };
}

/** Raw ioredis by hand: the floor every cache library is measured against. */
export function ioredisContender(
  name: string,
  redis: RedisTarget,
  enableAutoPipelining: boolean,
  /** ioredis's per-command timer, as the library's `redisTimeouts.command` (250 ms) sets it. */
  commandTimeout?: number,
): Contender {
  const client = new Redis(redis.url, { enableAutoPipelining, commandTimeout });
  const prefix = enableAutoPipelining ? 'ioap:' : 'io:';
  return {
    name,
    async fill(keys, value) {
      const pipeline = client.pipeline();
      for (const key of keys) pipeline.set(prefix + key, JSON.stringify(value), 'EX', TTL_SECONDS);
      await pipeline.exec();
    },
    async getOrSet(key, compute) {
      const raw = await client.get(prefix + key);
      if (raw !== null) return JSON.parse(raw);
      const value = await compute();
      await client.set(prefix + key, JSON.stringify(value), 'EX', TTL_SECONDS);
      return value;
    },
    close: async () => void (await client.quit()),
  };
}

/** node-redis by hand (it writes every command issued in one tick in one socket write). */
export async function nodeRedisContender(name: string, redis: RedisTarget): Promise<Contender> {
  const client = createClient({ url: redis.url });
  client.on('error', () => undefined);
  await client.connect();
  const prefix = 'nr:';
  const setOptions = { expiration: { type: 'EX' as const, value: TTL_SECONDS } };
  return {
    name,
    async fill(keys, value) {
      await Promise.all(
        keys.map((key) => client.set(prefix + key, JSON.stringify(value), setOptions)),
      );
    },
    async getOrSet(key, compute) {
      const raw = await client.get(prefix + key);
      if (raw !== null) return JSON.parse(raw);
      const value = await compute();
      await client.set(prefix + key, JSON.stringify(value), setOptions);
      return value;
    },
    close: async () => void client.destroy(),
  };
}

/** cache-manager 7 on Keyv + @keyv/redis, as @nestjs/cache-manager sets it up. */
export function cacheManagerContender(
  name: string,
  redis: RedisTarget,
  mode: 'get' | 'wrap',
): Contender & { cache: Cache } {
  const keyv = new Keyv({ store: new KeyvRedis(redis.url), namespace: `cm${mode}` });
  keyv.on('error', () => undefined);
  const cache = createCache({ stores: [keyv], ttl: TTL_SECONDS * 1000 });
  return {
    name,
    cache,
    async fill(keys, value) {
      await cache.mset(keys.map((key) => ({ key, value })));
    },
    getOrSet:
      mode === 'wrap'
        ? (key, compute) => cache.wrap(key, compute)
        : async (key, compute) => {
            const cached = await cache.get(key);
            if (cached !== undefined) return cached;
            const value = await compute();
            await cache.set(key, value);
            return value;
          },
    close: () => cache.disconnect(),
  };
}

/** bentocache getOrSet, Redis driver only (L2), or memory L1 in front of it. */
export async function bentoContender(
  name: string,
  redis: RedisTarget,
  layers: { l1: boolean; l2: boolean } = { l1: false, l2: true },
  tags?: string[],
): Promise<Contender & { bento: Bento }> {
  const bento = await createBento({
    host: redis.host,
    port: redis.port,
    prefix: 'bento',
    ...layers,
  });
  const ttl = `${TTL_SECONDS}s`;
  return {
    name,
    bento,
    async fill(keys, value) {
      for (let i = 0; i < keys.length; i += 500)
        await Promise.all(
          keys.slice(i, i + 500).map((key) => bento.set({ key, value, ttl, tags })),
        );
    },
    getOrSet: (key, compute) => bento.getOrSet({ key, factory: compute, ttl, tags }),
    close: () => bento.disconnectAll(),
  };
}
