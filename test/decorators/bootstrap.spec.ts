// How the caching decorators are wired at bootstrap: invalid use fails it with an error naming
// the method; controllers still route; request-scoped providers are skipped with a warning;
// two apps in one process and closed apps never share or keep invokers.
import { Controller, Get, Injectable, Param, Scope, Type } from '@nestjs/common';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  CacheEvict,
  CachePut,
  CacheTags,
  Cacheable,
  InvalidTtlError,
  RedisCacheModule,
  type CacheableOptions,
} from '../../lib/index.js';
import { CacheDecoratorError } from '../../lib/errors/errors.js';
import { Test } from '@nestjs/testing';
import { createCacheApp, sharedRedisUrl, uniqueNamespace } from '../support/cache-app.js';
import { createHttpCacheApp } from '../support/http-cache-app.js';
import { LogCapture } from '../support/log-capture.js';

function serviceWith(decorate: (target: object, key: string, d: PropertyDescriptor) => void): Type {
  @Injectable()
  class BadService {
    async load(id: string) {
      return id;
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(BadService.prototype, 'load')!;
  decorate(BadService.prototype, 'load', descriptor);
  Object.defineProperty(BadService.prototype, 'load', descriptor);
  return BadService;
}

const cacheable = (options: unknown) => (t: object, k: string, d: PropertyDescriptor) =>
  Cacheable(options as CacheableOptions)(t, k, d);

describe('invalid use fails bootstrap, naming Class.method', () => {
  const cases: [string, Type, RegExp][] = [
    ['a bad ttl', serviceWith(cacheable({ ttl: '5 minutes' })), /option "ttl".*'5 minutes'/],
    ['a negative ttl', serviceWith(cacheable({ ttl: -1 })), /option "ttl"/],
    [
      'an unclosed template',
      serviceWith(cacheable({ key: 'p:{0' })),
      /option "key".*unclosed '\{'/,
    ],
    [
      'a bad placeholder',
      serviceWith(cacheable({ key: 'p:{id}' })),
      /option "key".*placeholder \{id\}/,
    ],
    ['an empty key', serviceWith(cacheable({ key: '' })), /option "key"/],
    ['a key of the wrong type', serviceWith(cacheable({ key: 5 })), /option "key"/],
    ['a non-boolean cacheNull', serviceWith(cacheable({ cacheNull: 'no' })), /option "cacheNull"/],
    [
      'a condition that is not a function',
      serviceWith(cacheable({ condition: true })),
      /option "condition"/,
    ],
    ['an unless that is not a function', serviceWith(cacheable({ unless: 1 })), /option "unless"/],
    ['an empty tag', serviceWith(cacheable({ tags: [''] })), /option "tags"/],
    ['tags of the wrong type', serviceWith(cacheable({ tags: 'products' })), /option "tags"/],
    ['an empty namespace', serviceWith(cacheable({ namespace: '' })), /option "namespace"/],
    [
      'an unknown option (a typo)',
      serviceWith(cacheable({ tll: 60 })),
      /option "tll" is not an option here/,
    ],
    [
      '@CachePut with an unknown option',
      serviceWith(CachePut({ key: 'p:{0}', tag: ['x'] } as never) as never),
      /@CachePut.*option "tag" is not an option here/,
    ],
    [
      '@CacheEvict with an unknown option',
      serviceWith(CacheEvict({ key: 'p:{0}', allEntry: true } as never) as never),
      /@CacheEvict.*option "allEntry" is not an option here/,
    ],
    [
      '@CacheEvict with nothing to evict',
      serviceWith(CacheEvict({}) as never),
      /@CacheEvict.*nothing to evict/,
    ],
    [
      '@CacheEvict with a non-boolean allEntries',
      serviceWith(CacheEvict({ allEntries: 'yes' } as never) as never),
      /option "allEntries"/,
    ],
    [
      '@CacheTags alone',
      serviceWith(CacheTags('x') as never),
      /@CacheTags.*needs @Cacheable or @CachePut/,
    ],
    [
      '@Cacheable with @CachePut',
      serviceWith((t, k, d) => {
        Cacheable()(t, k, d);
        CachePut()(t, k, d);
      }),
      /cannot be combined with @CachePut/,
    ],
    [
      '@Cacheable twice',
      serviceWith((t, k, d) => {
        Cacheable()(t, k, d);
        Cacheable()(t, k, d);
      }),
      /more than once/,
    ],
  ];

  it.each(cases)('%s', async (_name, service, message) => {
    const error = await createCacheApp({ providers: [service] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheDecoratorError);
    expect((error as CacheDecoratorError).code).toBe('E_CACHE_DECORATOR');
    expect((error as CacheDecoratorError).method).toBe('BadService.load');
    expect((error as Error).message).toContain('BadService.load');
    expect((error as Error).message).toMatch(message);
  });

  it('keeps the TTL error as the cause', async () => {
    const error = (await createCacheApp({
      providers: [serviceWith(cacheable({ ttl: '1y' }))],
    }).catch((e: unknown) => e)) as CacheDecoratorError;
    expect(error.cause).toBeInstanceOf(InvalidTtlError);
  });

  it('refuses static methods and non-methods when the class is defined', () => {
    expect(() => {
      class Statics {
        @Cacheable()
        static async load() {
          return 1;
        }
      }
      return Statics;
    }).toThrow(/Statics\.load.*static/);
    expect(() => {
      class Getter {
        @(Cacheable() as PropertyDecorator & MethodDecorator)
        get value() {
          return 1;
        }
      }
      return Getter;
    }).toThrow(/Getter\.value.*not a method/);
  });
});

@Controller('products')
class ProductsController {
  runs = 0;

  @Get(':id')
  @Cacheable({ key: 'route:{0}' })
  async findOne(@Param('id') id: string) {
    this.runs++;
    return { id, runs: this.runs };
  }

  @Cacheable({ key: 'route-list' })
  @Get()
  async findAll() {
    this.runs++;
    return [this.runs];
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerRequestService {
  runs = 0;
  @Cacheable({ key: 'per-request' })
  async load() {
    return ++this.runs;
  }
}

@Injectable()
class CounterService {
  runs = 0;
  @Cacheable({ key: 'counter' })
  async load() {
    return ++this.runs;
  }
}

describe('wiring', () => {
  let logs: LogCapture | undefined;
  afterEach(() => logs?.restore());
  afterAll(() => logs?.restore());

  it('caches a controller method that is also a route, whatever the decorator order', async () => {
    const app = await createHttpCacheApp({ controllers: [ProductsController] });
    try {
      const first = await app.http().get('/products/7').expect(200);
      const second = await app.http().get('/products/7').expect(200);
      expect(second.body).toEqual(first.body);
      expect(await app.cache.get('route:7')).toEqual(first.body);
      await app.http().get('/products').expect(200);
      await app.http().get('/products').expect(200);
      expect(app.get(ProductsController).runs).toBe(2);
    } finally {
      await app.close();
    }
  });

  it('skips request-scoped providers with one warning, and boots', async () => {
    const app = await Test.createTestingModule({
      imports: [RedisCacheModule.forRoot({ url: sharedRedisUrl(), namespace: uniqueNamespace() })],
      providers: [PerRequestService],
    }).compile();
    logs = new LogCapture().attach();
    await app.init();
    try {
      const warnings = logs.of('warn').filter((e) => e.message.includes('PerRequestService'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0].message).toContain('request-scoped');
    } finally {
      await app.close();
    }
  });

  it('gives each app its own invoker, and closed apps none', async () => {
    const a = await createCacheApp({ providers: [CounterService] });
    const b = await createCacheApp({ providers: [CounterService] });
    try {
      expect(await a.get(CounterService).load()).toBe(1);
      expect(await a.get(CounterService).load()).toBe(1);
      expect(await b.get(CounterService).load()).toBe(1);
      expect(await a.cache.get('counter')).toBe(1);
      expect(await b.cache.get('counter')).toBe(1);
      expect(a.namespace).not.toBe(b.namespace);
    } finally {
      await b.close();
    }
    const service = a.get(CounterService);
    await a.close();
    // The app is closed: the method runs as written, without touching the closed connection.
    expect(await service.load()).toBe(2);
    expect(await service.load()).toBe(3);
  });
});
