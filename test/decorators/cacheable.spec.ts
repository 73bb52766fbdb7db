// @Cacheable on a real Nest provider, against a real Redis: keys, options, single flight,
// sync and Observable methods, and what the decorated method keeps (this, name, metadata). A
// template key filled from the arguments, loaded once and served to every instance, with null
// cached, is asserted on every topology in test/topologies/decorators.spec.ts.
import { Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { firstValueFrom, isObservable, Observable, of } from 'rxjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Cacheable, CacheTags } from '../../lib/index.js';
import { CacheDecoratorError, CacheKeyResolutionError } from '../../lib/errors/errors.js';
import { stableHash } from '../../lib/keys/stable-hash.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { sleep } from '../support/eventually.js';

const ROLE = 'test:role';

@Injectable()
class ProductsRepository {
  calls: string[] = [];
  find(id: string, extra?: unknown): { id: string; extra?: unknown; n: number } {
    this.calls.push(id);
    return { id, extra, n: this.calls.length };
  }
}

@Injectable()
class ProductsService {
  constructor(readonly repository: ProductsRepository) {}

  @Cacheable()
  async byDefaultKey(id: string, filter?: object) {
    return this.repository.find(id, filter);
  }

  @Cacheable({ key: 'product:{0}', ttl: '2s' })
  async byTemplate(id: string) {
    return this.repository.find(id);
  }

  @Cacheable({ key: 'sku:{0.sku}:{1}' })
  async byPath(product: { sku?: string }, lang: string) {
    return this.repository.find(`${product.sku}/${lang}`);
  }

  @Cacheable({ key: (id: string, lang: string) => `fn:${id}:${lang}` })
  async byFunction(id: string, lang: string) {
    return this.repository.find(`${id}/${lang}`);
  }

  @Cacheable({ key: () => '' })
  async badKeyFunction(id: string) {
    return this.repository.find(id);
  }

  @Cacheable({ key: 'tagged:{0}', tags: ['products'] })
  @CacheTags((id: string) => `product:${id}`, 'catalog')
  async tagged(id: string) {
    return this.repository.find(id);
  }

  @Cacheable({ key: 'tagfn:{0}', tags: (id: string) => [`product:${id}`, 'fn-tags'] })
  async taggedByFunction(id: string) {
    return this.repository.find(id);
  }

  @Cacheable({ key: 'cond:{0}', condition: (id: string) => !id.startsWith('live-') })
  async conditional(id: string) {
    return this.repository.find(id);
  }

  @Cacheable({
    key: 'unless:{0}',
    unless: (result: { id: string }) => result.id.startsWith('draft'),
  })
  async unlessDraft(id: string) {
    return this.repository.find(id);
  }

  @Cacheable({ key: 'null:{0}' })
  async maybeNull(id: string) {
    this.repository.find(id);
    return id === 'none' ? null : id === 'undef' ? undefined : id;
  }

  @Cacheable({ key: 'nonull:{0}', cacheNull: false })
  async noNull(id: string) {
    this.repository.find(id);
    return null;
  }

  @Cacheable({ key: '{0}', namespace: 'catalog' })
  async namespaced(id: string) {
    return this.repository.find(id);
  }

  @Cacheable({ key: 'sync:{0}' })
  syncMethod(id: string): { id: string; n: number } {
    return this.repository.find(id);
  }

  @Cacheable({ key: 'slow:{0}' })
  async slow(id: string) {
    await sleep(50);
    return this.repository.find(id);
  }

  @Cacheable({ key: 'fails:{0}' })
  async fails(id: string): Promise<string> {
    this.repository.find(id);
    await sleep(30);
    throw new Error(`cannot load ${id}`);
  }

  @Cacheable({ key: 'obs:{0}' })
  observable(id: string): Observable<{ id: string; n: number }> {
    return of(this.repository.find(id));
  }

  @Cacheable({ key: 'undeclared-obs:{0}' })
  undeclaredObservable(id: string) {
    return of(this.repository.find(id));
  }

  @SetMetadata(ROLE, 'above')
  @Cacheable({ key: 'meta-below' })
  @SetMetadata('test:other', 'under')
  async withMetadata() {
    return 1;
  }
}

/** Never provided to Nest: its decorated method must still work, uncached. */
class NotAProvider {
  runs = 0;
  @Cacheable({ key: 'never' })
  async compute(x: number) {
    this.runs++;
    return x * 2;
  }
}

let app: CacheApp;
let service: ProductsService;
let repository: ProductsRepository;

beforeAll(async () => {
  app = await createCacheApp({ providers: [ProductsService, ProductsRepository] });
  service = app.get(ProductsService);
  repository = app.get(ProductsRepository);
});
afterAll(() => app.close());
beforeEach(async () => {
  repository.calls = [];
  await app.cache.clear();
});

describe('keys', () => {
  it('caches under {ClassName}.{method}:{stable hash of the arguments} by default', async () => {
    const first = await service.byDefaultKey('p1', { a: 1, b: [1, 2] });
    expect(await service.byDefaultKey('p1', { b: [1, 2], a: 1 })).toEqual(first);
    expect(repository.calls).toEqual(['p1']);
    const key = `ProductsService.byDefaultKey:${stableHash(['p1', { a: 1, b: [1, 2] }])}`;
    expect(await app.cache.get(key)).toEqual(first);
    await service.byDefaultKey('p1', { a: 2, b: [1, 2] });
    expect(repository.calls).toEqual(['p1', 'p1']);
  });

  it('follows property paths in templates', async () => {
    await service.byPath({ sku: 'A-1' }, 'fr');
    expect(await app.cache.has('sku:A-1:fr')).toBe(true);
  });

  it('rejects a call whose template path is missing, naming the method, without running it', async () => {
    const error = await service.byPath({}, 'fr').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheKeyResolutionError);
    expect((error as CacheKeyResolutionError).code).toBe('E_CACHE_KEY_RESOLVE');
    expect((error as Error).message).toContain('ProductsService.byPath');
    expect((error as Error).message).toContain("has no property 'sku'");
    expect(repository.calls).toEqual([]);
  });

  it('uses a key function', async () => {
    await service.byFunction('7', 'en');
    expect(await app.cache.has('fn:7:en')).toBe(true);
  });

  it('rejects a key function that returns no key', async () => {
    await expect(service.badKeyFunction('x')).rejects.toThrow(
      /ProductsService\.badKeyFunction.*empty string/,
    );
  });

  it('prefixes keys with the decorator namespace', async () => {
    const value = await service.namespaced('9');
    expect(await app.cache.get('catalog:9')).toEqual(value);
  });
});

describe('options', () => {
  it('stores with the ttl of the decorator', async () => {
    await service.byTemplate('t');
    const ttl = await app.cache.ttl('product:t');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2);
  });

  it('stores with the module ttl by default', async () => {
    await service.byFunction('t', 'en');
    expect(await app.cache.ttl('fn:t:en')).toBeGreaterThan(3000);
  });

  it('tags entries with fixed tags, tag functions and @CacheTags', async () => {
    for (const tag of ['products', 'product:1', 'catalog']) {
      await service.tagged('1');
      await app.cache.invalidateTags(tag);
      expect(await app.cache.has('tagged:1')).toBe(false);
    }
    await service.taggedByFunction('5');
    await app.cache.invalidateTags('product:4');
    expect(await app.cache.has('tagfn:5')).toBe(true);
    await app.cache.invalidateTags('product:5');
    expect(await app.cache.has('tagfn:5')).toBe(false);
  });

  it('bypasses the cache when condition is false', async () => {
    await service.conditional('live-1');
    await service.conditional('live-1');
    expect(repository.calls).toEqual(['live-1', 'live-1']);
    expect(await app.cache.has('cond:live-1')).toBe(false);
    await service.conditional('p');
    await service.conditional('p');
    expect(repository.calls).toEqual(['live-1', 'live-1', 'p']);
  });

  it('returns but does not store results for which unless is true', async () => {
    expect((await service.unlessDraft('draft-1')).id).toBe('draft-1');
    expect(await app.cache.has('unless:draft-1')).toBe(false);
    await service.unlessDraft('final');
    expect(await app.cache.has('unless:final')).toBe(true);
  });

  it('stores null by default, never undefined', async () => {
    expect(await service.maybeNull('none')).toBeNull();
    expect(await service.maybeNull('none')).toBeNull();
    expect(repository.calls).toEqual(['none']);
    expect(await service.maybeNull('undef')).toBeUndefined();
    expect(await service.maybeNull('undef')).toBeUndefined();
    expect(repository.calls).toEqual(['none', 'undef', 'undef']);
  });

  it('does not store null with cacheNull: false', async () => {
    await service.noNull('a');
    await service.noNull('a');
    expect(repository.calls).toEqual(['a', 'a']);
  });
});

describe('calls', () => {
  it('shares one execution among concurrent calls with the same key', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => service.slow('s')));
    expect(repository.calls).toEqual(['s']);
    expect(new Set(results.map((r) => r.n)).size).toBe(1);
  });

  it('never caches a method that throws, and every concurrent waiter gets the error', async () => {
    const outcomes = await Promise.allSettled([
      service.fails('x'),
      service.fails('x'),
      service.fails('x'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const outcome of outcomes)
      expect((outcome as PromiseRejectedResult).reason.message).toBe('cannot load x');
    expect(repository.calls).toEqual(['x']);
    expect(await app.cache.has('fails:x')).toBe(false);
    await expect(service.fails('x')).rejects.toThrow('cannot load x');
    expect(repository.calls).toEqual(['x', 'x']);
  });

  it('turns a sync method into one returning a Promise, cached like the others', async () => {
    const first = service.syncMethod('s1') as unknown;
    expect(first).toBeInstanceOf(Promise);
    const value = await first;
    expect(await service.syncMethod('s1')).toEqual(value);
    expect(repository.calls).toEqual(['s1']);
  });

  it('returns an Observable for a method declared to return one, on misses and hits', async () => {
    const miss = service.observable('o1');
    expect(isObservable(miss)).toBe(true);
    expect(repository.calls).toEqual([]); // lazy: nothing happens before subscribing
    const value = await firstValueFrom(miss);
    const hit = service.observable('o1');
    expect(isObservable(hit)).toBe(true);
    expect(await firstValueFrom(hit)).toEqual(value);
    expect(repository.calls).toEqual(['o1']);
    expect(await app.cache.get('obs:o1')).toEqual(value);
  });

  it('rejects an Observable from a method whose declared return type is not Observable', async () => {
    const error = await Promise.resolve(service.undeclaredObservable('u')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheDecoratorError);
    expect((error as Error).message).toContain('ProductsService.undeclaredObservable');
    expect((error as Error).message).toContain('Observable');
  });

  it('keeps `this`, the method name and the metadata of other decorators', async () => {
    expect(service.byTemplate.name).toBe('byTemplate');
    const reflector = new Reflector();
    expect(reflector.get(ROLE, service.withMetadata)).toBe('above');
    expect(reflector.get('test:other', service.withMetadata)).toBe('under');
    expect(await service.withMetadata()).toBe(1);
    expect(await app.cache.get('meta-below')).toBe(1);
  });

  it('runs methods of classes Nest never instantiated, uncached', async () => {
    const plain = new NotAProvider();
    expect(await plain.compute(2)).toBe(4);
    expect(await plain.compute(2)).toBe(4);
    expect(plain.runs).toBe(2);
    expect(await app.cache.has('never')).toBe(false);
  });
});
