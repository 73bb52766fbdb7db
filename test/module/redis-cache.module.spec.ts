// RedisCacheModule as an app wires it: forRoot() with or without options, forRootAsync in its
// three forms, global or not, connection ownership on shutdown, and bootstrap-time validation.
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CacheConfigError,
  InvalidTtlError,
  RedisCacheError,
  RedisCacheModule,
  RedisCacheService,
  type RedisCacheModuleOptions,
} from '../../lib/index.js';
import { resolveOptions } from '../../lib/engine/resolve-options.js';
import { sharedRedisUrl, uniqueNamespace } from '../support/cache-app.js';
import { rawRedis } from '../support/raw-redis.js';
import { freePort } from '../support/redis-server.js';

@Injectable()
class ProductsService {
  constructor(readonly cache: RedisCacheService) {}
}

@Module({ providers: [ProductsService], exports: [ProductsService] })
class ProductsModule {}

const CACHE_CONFIG = Symbol('cache config');

@Module({
  providers: [
    {
      provide: CACHE_CONFIG,
      useFactory: () => ({ url: sharedRedisUrl(), namespace: uniqueNamespace('cfg') }),
    },
  ],
  exports: [CACHE_CONFIG],
})
class ConfigModule {}

@Injectable()
class CacheOptionsFactory {
  createRedisCacheOptions(): RedisCacheModuleOptions {
    return { url: sharedRedisUrl(), namespace: uniqueNamespace('cls'), ttl: '5m' };
  }
}

@Module({ providers: [CacheOptionsFactory], exports: [CacheOptionsFactory] })
class OptionsFactoryModule {}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function boot(imports: Parameters<typeof Test.createTestingModule>[0]['imports']) {
  const module = await Test.createTestingModule({ imports }).compile();
  await module.init();
  closers.push(() => module.close());
  return module;
}

async function roundTrip(cache: RedisCacheService): Promise<void> {
  const key = `module-spec:${uniqueNamespace()}`;
  await cache.set(key, { ok: true });
  expect(await cache.get(key)).toEqual({ ok: true });
  expect(await cache.del(key)).toBe(1);
}

describe('forRoot', () => {
  let savedRedisUrl: string | undefined;
  beforeAll(() => {
    savedRedisUrl = process.env.REDIS_URL;
  });
  afterEach(() => {
    if (savedRedisUrl === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = savedRedisUrl;
  });

  it('works with no argument, connecting to REDIS_URL, namespace "cache"', async () => {
    process.env.REDIS_URL = sharedRedisUrl();
    const module = await boot([RedisCacheModule.forRoot()]);
    const cache = module.get(RedisCacheService);
    expect(cache.namespace).toBe('cache');
    const key = `module-spec-default-${uniqueNamespace()}`;
    await cache.set(key, 'v');
    const raw = rawRedis();
    try {
      expect(await raw.get(`cache:${key}`)).not.toBeNull();
    } finally {
      await cache.del(key);
      await raw.quit();
    }
  });

  it('reads an empty REDIS_URL as unset, and names REDIS_URL when it is not a Redis URL', () => {
    process.env.REDIS_URL = '';
    expect(resolveOptions({}).connection).toMatchObject({
      kind: 'url',
      url: 'redis://127.0.0.1:6379',
    });
    process.env.REDIS_URL = 'cache:6379';
    expect(() => resolveOptions({})).toThrow(
      expect.objectContaining({ option: expect.stringMatching(/^REDIS_URL \(the environment/) }),
    );
    // An explicit url wins over REDIS_URL, and an empty one is an error naming url.
    expect(() => resolveOptions({ url: '' })).toThrow(
      expect.objectContaining({ option: 'url', message: expect.stringMatching(/is empty/) }),
    );
  });

  it('works with options', async () => {
    const namespace = uniqueNamespace();
    const module = await boot([
      RedisCacheModule.forRoot({ url: sharedRedisUrl(), namespace, ttl: 30 }),
    ]);
    const cache = module.get(RedisCacheService);
    expect(cache.namespace).toBe(namespace);
    await cache.set('k', 1);
    const left = await cache.ttl('k');
    expect(left).toBeGreaterThan(28);
    expect(left).toBeLessThanOrEqual(30);
    await cache.clear();
  });

  it('accepts ioredis connection options instead of a URL', async () => {
    const url = new URL(sharedRedisUrl());
    const module = await boot([
      RedisCacheModule.forRoot({
        redis: { host: url.hostname, port: Number(url.port) },
        namespace: uniqueNamespace(),
      }),
    ]);
    await roundTrip(module.get(RedisCacheService));
  });
});

describe('forRootAsync', () => {
  it('useFactory with inject and imports', async () => {
    const module = await boot([
      RedisCacheModule.forRootAsync({
        imports: [ConfigModule],
        inject: [CACHE_CONFIG],
        useFactory: async (config: RedisCacheModuleOptions) => ({ ...config, ttl: '10m' }),
      }),
    ]);
    const cache = module.get(RedisCacheService);
    expect(cache.namespace).toMatch(/^cfg-/);
    await cache.set('k', 'v');
    expect(await cache.ttl('k')).toBeGreaterThan(590);
    await roundTrip(cache);
    await cache.clear();
  });

  it('useClass', async () => {
    const module = await boot([RedisCacheModule.forRootAsync({ useClass: CacheOptionsFactory })]);
    const cache = module.get(RedisCacheService);
    expect(cache.namespace).toMatch(/^cls-/);
    await cache.set('k', 'v');
    expect(await cache.ttl('k')).toBeGreaterThan(290);
    await roundTrip(cache);
    await cache.clear();
  });

  it('useExisting', async () => {
    const module = await boot([
      RedisCacheModule.forRootAsync({
        imports: [OptionsFactoryModule],
        useExisting: CacheOptionsFactory,
      }),
    ]);
    const cache = module.get(RedisCacheService);
    expect(cache.namespace).toMatch(/^cls-/);
    await roundTrip(cache);
  });

  it('an invalid option from the factory fails bootstrap', async () => {
    await expect(
      Test.createTestingModule({
        imports: [
          RedisCacheModule.forRootAsync({
            useFactory: () => ({ url: sharedRedisUrl(), ttl: -5 }),
          }),
        ],
      }).compile(),
    ).rejects.toThrow(/"ttl"/);
  });
});

describe('isGlobal', () => {
  it('is true by default: a feature module injects RedisCacheService without importing it', async () => {
    const module = await boot([
      RedisCacheModule.forRoot({ url: sharedRedisUrl(), namespace: uniqueNamespace() }),
      ProductsModule,
    ]);
    const products = module.get(ProductsService);
    expect(products.cache).toBe(module.get(RedisCacheService));
    await roundTrip(products.cache);
  });

  it('is also the default of forRootAsync', async () => {
    const module = await boot([
      RedisCacheModule.forRootAsync({
        useFactory: () => ({ url: sharedRedisUrl(), namespace: uniqueNamespace() }),
      }),
      ProductsModule,
    ]);
    await roundTrip(module.get(ProductsService).cache);
  });

  it('isGlobal: false keeps the service to the importing module', async () => {
    await expect(
      Test.createTestingModule({
        imports: [
          RedisCacheModule.forRoot({
            url: sharedRedisUrl(),
            namespace: uniqueNamespace(),
            isGlobal: false,
          }),
          ProductsModule,
        ],
      }).compile(),
    ).rejects.toThrow(/RedisCacheService/);

    // The module that imports it can still use it.
    const module = await boot([
      RedisCacheModule.forRoot({
        url: sharedRedisUrl(),
        namespace: uniqueNamespace(),
        isGlobal: false,
      }),
    ]);
    await roundTrip(module.get(RedisCacheService));
  });

  it('isGlobal: false works with forRootAsync too', async () => {
    await expect(
      Test.createTestingModule({
        imports: [
          RedisCacheModule.forRootAsync({
            isGlobal: false,
            useFactory: () => ({ url: sharedRedisUrl(), namespace: uniqueNamespace() }),
          }),
          ProductsModule,
        ],
      }).compile(),
    ).rejects.toThrow(/RedisCacheService/);
  });
});

describe('connection ownership', () => {
  it('uses an existing client and leaves it open when the app closes', async () => {
    const client = new Redis(sharedRedisUrl());
    try {
      const module = await Test.createTestingModule({
        imports: [RedisCacheModule.forRoot({ client, namespace: uniqueNamespace() })],
      }).compile();
      await module.init();
      const cache = module.get(RedisCacheService);
      expect(cache.client).toBe(client);
      await cache.set('k', 'v');
      expect(await client.exists(`${cache.namespace}:k`)).toBe(1);
      await cache.clear();
      await module.close();
      expect(client.status).toBe('ready');
      expect(await client.ping()).toBe('PONG');
    } finally {
      await client.quit();
    }
  });

  it('closes the connection it created when the app closes', async () => {
    const module = await Test.createTestingModule({
      imports: [RedisCacheModule.forRoot({ url: sharedRedisUrl(), namespace: uniqueNamespace() })],
    }).compile();
    await module.init();
    const client = module.get(RedisCacheService).client;
    expect(client.status).toBe('ready');
    await module.close();
    expect(client.status).toBe('end');
  });

  it('opens no connection when the bootstrap fails before init', async () => {
    const name = `failed-${uniqueNamespace()}`;
    const raw = rawRedis();
    try {
      const failing = Test.createTestingModule({
        imports: [
          RedisCacheModule.forRoot({
            url: sharedRedisUrl(),
            namespace: uniqueNamespace(),
            redis: { connectionName: name },
          }),
        ],
        providers: [
          {
            // Made after the cache (it depends on it), then fails: compile() rejects.
            provide: 'BROKEN',
            inject: [RedisCacheService],
            useFactory: () => {
              throw new Error('a provider that cannot be built');
            },
          },
        ],
      }).compile();
      await expect(failing).rejects.toThrow('a provider that cannot be built');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await raw.client('LIST')).not.toContain(`name=${name}`);
    } finally {
      await raw.quit();
    }
  });

  it('connects at the first read of an app compiled but never initialized', async () => {
    const module = await Test.createTestingModule({
      imports: [RedisCacheModule.forRoot({ url: sharedRedisUrl(), namespace: uniqueNamespace() })],
    }).compile();
    const cache = module.get(RedisCacheService);
    await cache.get('warm-up'); // a miss: the connection starts now
    await expect.poll(() => cache.client.status, { timeout: 2_000 }).toBe('ready');
    await cache.set('k', 'v');
    expect(await cache.get('k')).toBe('v');
    await cache.clear();
    await module.close();
    expect(cache.client.status).toBe('end');
  });

  it('the connection it created is counted by Redis, and gone after close', async () => {
    const name = `owned-${uniqueNamespace()}`;
    const raw = rawRedis();
    try {
      const module = await Test.createTestingModule({
        imports: [
          RedisCacheModule.forRoot({
            url: sharedRedisUrl(),
            namespace: uniqueNamespace(),
            redis: { connectionName: name },
          }),
        ],
      }).compile();
      await module.init();
      expect(await raw.client('LIST')).toContain(`name=${name}`);
      await module.close();
      await expect.poll(() => raw.client('LIST'), { timeout: 2_000 }).not.toContain(`name=${name}`);
    } finally {
      await raw.quit();
    }
  });
});

describe('invalid options fail at bootstrap with an error naming the option', () => {
  const client = () => new Redis({ lazyConnect: true });

  it.each<[string, () => unknown, RegExp]>([
    ['unknown serializer', () => ({ serializer: 'yaml' }), /"serializer"/],
    [
      'serializer object without functions',
      () => ({ serializer: { serialize: 1 } }),
      /"serializer"/,
    ],
    ['bad URL', () => ({ url: 'not a url' }), /"url"/],
    ['URL with another scheme', () => ({ url: 'http://127.0.0.1:6379' }), /"url"/],
    ['URL with a bad database', () => ({ url: 'redis://127.0.0.1:6379/abc' }), /"url"/],
    ['url and client together', () => ({ url: sharedRedisUrl(), client: client() }), /url\/client/],
    ['client that is not an ioredis client', () => ({ client: { get() {} } }), /"client"/],
    ['negative ttl', () => ({ ttl: -1 }), /"ttl"/],
    ['NaN ttl', () => ({ ttl: Number.NaN }), /"ttl"/],
    ['ttl with unknown unit', () => ({ ttl: '5 weeks' }), /"ttl"/],
    ['namespace with a colon', () => ({ namespace: 'a:b' }), /"namespace"/],
    ['namespace with a tilde', () => ({ namespace: 'a~wb' }), /"namespace"/],
    ['namespace with an empty hash tag', () => ({ namespace: 'a{}' }), /"namespace"/],
    ['empty namespace', () => ({ namespace: '' }), /"namespace"/],
    ['namespace not a string', () => ({ namespace: 42 }), /"namespace"/],
    ['unknown option', () => ({ nameSpace: 'x' }), /"nameSpace"/],
    ['compression not an object', () => ({ compression: true }), /"compression"/],
    [
      'unknown compression algorithm',
      () => ({ compression: { algorithm: 'gzip' } }),
      /"compression.algorithm"/,
    ],
    [
      'negative compression threshold',
      () => ({ compression: { threshold: -1 } }),
      /"compression.threshold"/,
    ],
    ['zero limits.keyLength', () => ({ limits: { keyLength: 0 } }), /"limits.keyLength"/],
    [
      'bad redisTimeouts.command',
      () => ({ redisTimeouts: { command: '1 fortnight' } }),
      /"redisTimeouts.command"/,
    ],
    [
      'zero redisTimeouts.command',
      () => ({ redisTimeouts: { command: 0 } }),
      /"redisTimeouts.command"/,
    ],
    ['stats that is not an object', () => ({ stats: 'X-Cache' }), /"stats"/],
    ['a misspelt stats option', () => ({ stats: { headers: 'X' } }), /"stats.headers"/],
    ['a misspelt limits option', () => ({ limits: { keys: 10 } }), /"limits.keys"/],
    ['redisTimeouts that is not an object', () => ({ redisTimeouts: 5 }), /"redisTimeouts"/],
    ['non-boolean isGlobal', () => ({ isGlobal: 'yes' }), /"isGlobal"/],
    ['l1 that is not true, false or an object', () => ({ l1: 'yes' }), /"l1"/],
    ['l1.frozen that is not a boolean', () => ({ l1: { frozen: 'yes' } }), /"l1.frozen"/],
    [
      'ioredis Cluster options beside the nodes instead of in cluster.options',
      () => ({ cluster: { nodes: [{ host: '127.0.0.1', port: 7000 }], scaleReads: 'slave' } }),
      /"cluster.scaleReads"/,
    ],
    [
      'cluster.options not an object',
      () => ({ cluster: { nodes: [{ host: '127.0.0.1', port: 7000 }], options: 'fast' } }),
      /"cluster.options"/,
    ],
    ['redis.port that is not a port', () => ({ redis: { port: 'abc' } }), /"redis.port"/],
    ['redis.port out of range', () => ({ redis: { port: 70_000 } }), /"redis.port"/],
    ['redis.host that is not a string', () => ({ redis: { host: 42 } }), /"redis.host"/],
    ['negative redis.db', () => ({ redis: { db: -1 } }), /"redis.db"/],
    [
      'redis.password that is not a string',
      () => ({ redis: { password: 1234 } }),
      /"redis.password"/,
    ],
    [
      'sentinels without the master name',
      () => ({ redis: { sentinels: [{ host: '127.0.0.1', port: 26379 }] } }),
      /"redis.name"/,
    ],
    [
      'a sentinel with a bad port',
      () => ({ redis: { sentinels: [{ host: '127.0.0.1', port: 'x' }], name: 'mymaster' } }),
      /"redis.sentinels\[0\].port"/,
    ],
    [
      'a cluster node with a bad port',
      () => ({
        cluster: {
          nodes: [
            { host: '127.0.0.1', port: 7000 },
            { host: 'b', port: 0 },
          ],
        },
      }),
      /"cluster.nodes\[1\].port"/,
    ],
  ])('%s', async (_label, options, option) => {
    const given = options() as RedisCacheModuleOptions;
    const error = await Test.createTestingModule({
      imports: [
        RedisCacheModule.forRoot({
          url: sharedRedisUrl(),
          ...given,
          ...(given.client || given.cluster ? { url: given.url } : {}),
        }),
      ],
    })
      .compile()
      .catch((e: unknown) => e);
    if (given.client instanceof Redis) given.client.disconnect();
    expect(error).toBeInstanceOf(RedisCacheError);
    expect(error).toSatisfy((e) => e instanceof CacheConfigError || e instanceof InvalidTtlError);
    expect((error as Error).message).toMatch(option);
  });
});

describe('ioredis address options that are right', () => {
  it('takes a port given as a string of digits, as ioredis does (from an environment variable)', async () => {
    const { port } = new URL(sharedRedisUrl());
    const moduleRef = await Test.createTestingModule({
      imports: [
        RedisCacheModule.forRoot({
          redis: { host: '127.0.0.1', port: port as never },
          namespace: uniqueNamespace('port'),
        }),
      ],
    }).compile();
    await moduleRef.init();
    try {
      const cache = moduleRef.get(RedisCacheService);
      await cache.set('address-check', 1);
      expect(await cache.get('address-check')).toBe(1);
    } finally {
      await moduleRef.close();
    }
  });
});

describe('unreachable Redis at startup', () => {
  let port: number;
  beforeAll(async () => {
    port = await freePort();
  });

  it('does not hang: init finishes within about redisTimeouts.connect and getOrSet serves the factory', async () => {
    const started = Date.now();
    const module = await Test.createTestingModule({
      imports: [
        RedisCacheModule.forRoot({
          url: `redis://127.0.0.1:${port}`,
          namespace: uniqueNamespace(),
          redisTimeouts: { connect: '500ms' },
        }),
      ],
    }).compile();
    await module.init();
    const initMs = Date.now() - started;
    expect(initMs).toBeLessThan(3_000);
    const cache = module.get(RedisCacheService);
    let calls = 0;
    expect(await cache.getOrSet('k', () => ++calls)).toBe(1);
    expect(await cache.getOrSet('k', () => ++calls)).toBe(2);
    expect(await cache.get('k')).toBeUndefined();
    await expect(cache.set('k', 'v')).resolves.toBeUndefined();
    expect(cache.stats().redis.available).toBe(false);
    const closing = Date.now();
    await module.close();
    expect(Date.now() - closing).toBeLessThan(2_000);
  });

  it('forRoot() with no argument and no Redis on the default URL still boots', async () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
    try {
      const started = Date.now();
      const module = await Test.createTestingModule({
        imports: [RedisCacheModule.forRoot()],
      }).compile();
      await module.init();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await module.get(RedisCacheService).getOrSet('k', () => 'computed')).toBe('computed');
      await module.close();
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });
});
