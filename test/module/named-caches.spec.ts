// Named caches: RedisCacheModule.forFeature() next to forRoot(), each with its own namespace, TTL
// and stats, injected with @InjectCache(name) and used by decorators and @CacheResponse by name.
import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Cacheable,
  CacheConfigError,
  CacheEvict,
  CacheResponse,
  InjectCache,
  RedisCacheError,
  RedisCacheModule,
  RedisCacheService,
  WriteBehind,
  WriteThrough,
} from '../../lib/index.js';
import { getCacheToken } from '../../lib/engine/cache-engine.constants.js';
import { disabledRedisCacheModule } from '../../lib/testing/index.js';
import { eventually } from '../support/eventually.js';
import {
  createCacheApp,
  sharedRedisUrl,
  uniqueNamespace,
  type CacheApp,
} from '../support/cache-app.js';
import { createHttpCacheApp, type HttpCacheApp } from '../support/http-cache-app.js';
import { entryKey, rawRedis } from '../support/raw-redis.js';

let redis: Redis;
beforeAll(() => {
  redis = rawRedis();
});
afterAll(async () => {
  await redis.quit();
});

@Injectable()
class SessionStore {
  loads = 0;
  constructor(
    @InjectCache('sessions') readonly sessions: RedisCacheService,
    @InjectCache('catalogue') readonly catalogue: RedisCacheService,
    @InjectCache() readonly main: RedisCacheService,
    readonly injected: RedisCacheService,
  ) {}

  @Cacheable({ cache: 'sessions', key: 'session:{0}' })
  async load(id: string): Promise<{ id: string; n: number }> {
    return { id, n: ++this.loads };
  }

  @CacheEvict({ cache: 'sessions', key: 'session:{0}' })
  async logout(_id: string): Promise<void> {}

  @WriteThrough({ cache: 'catalogue', key: 'product:{0.id}' })
  async save(product: { id: string; price: number }): Promise<typeof product> {
    return product;
  }

  persisted: string[] = [];

  @WriteBehind({ cache: 'catalogue', key: 'order:{0.id}', delay: 0 })
  async order(order: { id: string }): Promise<void> {
    this.persisted.push(order.id);
  }

  @Cacheable({ key: 'plain:{0}' })
  async plain(id: string): Promise<string> {
    return `plain ${id}`;
  }
}

@Module({
  imports: [
    RedisCacheModule.forFeature({ name: 'sessions', ttl: '30m' }),
    RedisCacheModule.forFeature({
      name: 'catalogue',
      ttl: '2h',
      namespace: uniqueNamespace('cat'),
    }),
  ],
  providers: [SessionStore],
})
class SessionsModule {}

describe('named caches', () => {
  let app: CacheApp;
  let store: SessionStore;
  beforeAll(async () => {
    app = await createCacheApp({ cache: { ttl: '5m' }, imports: [SessionsModule] });
    store = app.get(SessionStore);
  });
  afterAll(() => app.close());

  it('injects one service per name, the default one without a name', () => {
    expect(store.sessions).not.toBe(store.main);
    expect(store.catalogue).not.toBe(store.sessions);
    expect(store.main).toBe(app.cache);
    expect(store.injected).toBe(app.cache);
  });

  it('stores each cache under its own namespace with its own TTL', async () => {
    await app.cache.set('k', 'default');
    await store.sessions.set('k', 'session');
    await store.catalogue.set('k', 'catalogue');
    expect(await app.cache.get('k')).toBe('default');
    expect(await store.sessions.get('k')).toBe('session');
    expect(await store.catalogue.get('k')).toBe('catalogue');

    const ttl = (namespace: string) => redis.pttl(entryKey(namespace, 'k'));
    const sessionsNs = `${app.namespace}.sessions`;
    expect(await ttl(app.namespace)).toBeGreaterThan(4 * 60_000);
    expect(await ttl(app.namespace)).toBeLessThanOrEqual(5 * 60_000);
    expect(await ttl(sessionsNs)).toBeGreaterThan(29 * 60_000);
    expect(await ttl(sessionsNs)).toBeLessThanOrEqual(30 * 60_000);
    const catalogueKeys = await redis.keys('cat-*:k');
    expect(catalogueKeys.length).toBeGreaterThan(0);
  });

  it('clear() of the default cache leaves the named caches alone', async () => {
    await store.sessions.set('kept', 1);
    await app.cache.clear();
    expect(await store.sessions.get('kept')).toBe(1);
  });

  it('routes decorated methods to the cache their options name', async () => {
    const first = await store.load('s1');
    expect(await store.load('s1')).toEqual(first);
    expect(store.loads).toBe(1);
    expect(await redis.exists(entryKey(`${app.namespace}.sessions`, 'session:s1'))).toBe(1);
    expect(await app.cache.get('session:s1')).toBeUndefined();

    await store.logout('s1');
    expect(await store.sessions.get('session:s1')).toBeUndefined();

    await store.save({ id: 'p1', price: 3 });
    expect(await store.catalogue.get('product:p1')).toEqual({ id: 'p1', price: 3 });
    expect(await app.cache.get('product:p1')).toBeUndefined();

    await store.plain('x');
    expect(await app.cache.get('plain:x')).toBe('plain x');
  });

  it("queues a named cache's write-behind jobs on its own queue, run by the method", async () => {
    await store.order({ id: 'o1' });
    expect(await store.catalogue.get('order:o1')).toEqual({ id: 'o1' });
    expect(await app.cache.get('order:o1')).toBeUndefined();
    await eventually(
      () => store.persisted,
      (ids) => ids.includes('o1'),
      { what: 'the write-behind job run' },
    );
    await eventually(
      () => store.catalogue.stats().writeBehind?.persisted ?? 0,
      (persisted) => persisted === 1,
      { what: "the catalogue's persisted count" },
    );
    expect(app.cache.stats().writeBehind?.persisted ?? 0).toBe(0);
  });

  it("counts each cache's lookups in its own stats and metrics", async () => {
    app.cache.resetStats();
    store.sessions.resetStats();
    await store.load('s2');
    await store.load('s2');
    await store.plain('y');
    const sessions = store.sessions.stats();
    expect(sessions.hits).toBe(1);
    expect(sessions.misses).toBe(1);
    expect(Object.keys(sessions.methods)).toEqual(['SessionStore.load']);
    const main = app.cache.stats();
    expect(Object.keys(main.methods)).toEqual(['SessionStore.plain']);
    expect(await store.sessions.metrics()).toContain(`namespace="${app.namespace}.sessions"`);
  });
});

@Controller('pages')
class PagesController {
  renders = 0;

  @Get('home')
  @CacheResponse({ cache: 'pages', ttl: '1m' })
  home(): { renders: number } {
    return { renders: ++this.renders };
  }
}

@Module({
  imports: [RedisCacheModule.forFeature({ name: 'pages', ttl: '10m' })],
  controllers: [PagesController],
})
class PagesModule {}

describe('@CacheResponse with a named cache', () => {
  let http: HttpCacheApp;
  beforeAll(async () => {
    http = await createHttpCacheApp({ imports: [PagesModule] });
  });
  afterAll(() => http.close());

  it('stores the response in that cache', async () => {
    const first = await http.http().get('/pages/home').expect(200);
    const second = await http.http().get('/pages/home').expect(200);
    expect(second.body).toEqual(first.body);
    expect(http.get(PagesController).renders).toBe(1);
    const keys = await redis.keys(`${http.namespace}.pages:*`);
    expect(keys.length).toBe(1);
    expect(await redis.pttl(keys[0]!)).toBeGreaterThan(50_000);
    expect(await redis.keys(`${http.namespace}:*`)).toEqual([]);
  });
});

describe('named caches beside forRootAsync and the disabled module', () => {
  const opened: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(opened.splice(0).map((app) => app.close()));
  });

  it("take forRootAsync()'s options from its factory, overridden by their own", async () => {
    const namespace = uniqueNamespace('async');
    const module = await Test.createTestingModule({
      imports: [
        RedisCacheModule.forRootAsync({
          useFactory: () => ({ url: sharedRedisUrl(), namespace, ttl: '7m' }),
        }),
        RedisCacheModule.forFeature({ name: 'sessions', limits: { keyLength: 64 } }),
      ],
    }).compile();
    await module.init();
    opened.push(module);
    const sessions = module.get<RedisCacheService>(getCacheToken('sessions'));
    await sessions.set('k', 1);
    const ttl = await redis.pttl(entryKey(`${namespace}.sessions`, 'k'));
    expect(ttl).toBeGreaterThan(6 * 60_000);
    expect(ttl).toBeLessThanOrEqual(7 * 60_000);
  });

  it('run without Redis under disabledRedisCacheModule(): decorated methods run every call', async () => {
    const module = await Test.createTestingModule({
      imports: [disabledRedisCacheModule(), SessionsModule],
    }).compile();
    await module.init();
    opened.push(module);
    const store = module.get(SessionStore);
    await store.load('d1');
    await store.load('d1');
    expect(store.loads).toBe(2);
    expect(await store.sessions.get('session:d1')).toBeUndefined();
  });
});

describe('bootstrap errors', () => {
  const opened: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((app) => app.close()));
  });
  /** The error an app's bootstrap failed with; undefined (and the app closed later) if it started. */
  const failureOf = (starting: Promise<{ close(): Promise<void> }>): Promise<unknown> =>
    starting.then(
      (app) => (opened.push(app), undefined),
      (error: unknown) => error,
    );

  it('names the method and the known caches when a decorator names an unknown cache', async () => {
    @Injectable()
    class Typo {
      @Cacheable({ cache: 'sesions' })
      async load(): Promise<number> {
        return 1;
      }
    }
    const failure = await failureOf(
      createCacheApp({
        imports: [RedisCacheModule.forFeature({ name: 'sessions' })],
        providers: [Typo],
      }),
    );
    expect(failure).toBeInstanceOf(RedisCacheError);
    expect(String((failure as Error).message)).toMatch(/Typo\.load.*'sesions'.*'sessions'/);
  });

  it('refuses decorators of one method naming different caches', async () => {
    @Injectable()
    class Mixed {
      @Cacheable({ cache: 'sessions', key: 'a' })
      @CacheEvict({ cache: 'other', key: 'b' })
      async load(): Promise<number> {
        return 1;
      }
    }
    const failure = await failureOf(
      createCacheApp({
        imports: [RedisCacheModule.forFeature({ name: 'sessions' })],
        providers: [Mixed],
      }),
    );
    expect(failure).toBeInstanceOf(RedisCacheError);
    expect(String((failure as Error).message)).toContain('Mixed.load');
    expect(String((failure as Error).message)).toContain(
      'the decorators of one method use one cache',
    );
  });

  it('names the handler when @CacheResponse names an unknown cache', async () => {
    @Controller('typo')
    class TypoController {
      @Get()
      @CacheResponse({ cache: 'nope' })
      get(): string {
        return 'x';
      }
    }
    const failure = await failureOf(createHttpCacheApp({ controllers: [TypoController] }));
    expect(failure).toBeInstanceOf(RedisCacheError);
    expect(String((failure as Error).message)).toMatch(
      /TypoController\.get.*'nope'.*no named caches/,
    );
  });

  it('refuses forFeature() without forRoot()', async () => {
    const module = Test.createTestingModule({
      imports: [RedisCacheModule.forFeature({ name: 'sessions' })],
    });
    const failure = await module.compile().then(
      async (compiled) => (await compiled.close(), undefined),
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CacheConfigError);
    expect(String((failure as Error).message)).toContain('needs RedisCacheModule.forRoot()');
  });

  it('refuses connection options and a namespace another cache uses', async () => {
    const namespace = uniqueNamespace();
    const failures = await Promise.all(
      [
        { name: 'a', url: sharedRedisUrl() },
        { name: 'b', namespace },
      ].map((feature) =>
        failureOf(
          createCacheApp({
            cache: { namespace },
            imports: [RedisCacheModule.forFeature(feature as never)],
          }),
        ),
      ),
    );
    expect(String((failures[0] as Error).message)).toContain(
      `"RedisCacheModule.forFeature({ name: 'a' }).url" belongs to forRoot()`,
    );
    expect(String((failures[1] as Error).message)).toContain('another cache of this app uses');
  });
});
