// @CachePut and @CacheEvict on a real Nest provider, against a real Redis: what they store and
// evict, when, and what happens when the method throws. @CacheEvict of a key after success only
// (nothing evicted when the method throws), and a put read by another instance, are asserted on
// every topology in test/topologies/decorators.spec.ts.
import { Injectable } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CacheEvict, CachePut, CacheTags, Cacheable } from '../../lib/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';

interface Product {
  id: string;
  name: string;
}

@Injectable()
class ProductsService {
  readonly db = new Map<string, Product>();
  loads = 0;
  updates = 0;

  @Cacheable({ key: 'product:{0}', tags: (id: string) => [`product:${id}`] })
  async findOne(id: string): Promise<Product | null> {
    this.loads++;
    return this.db.get(id) ?? null;
  }

  @Cacheable({ key: 'list' })
  async findAll(): Promise<Product[]> {
    this.loads++;
    return [...this.db.values()];
  }

  @Cacheable({ key: 'count', namespace: 'stats' })
  async count(): Promise<number> {
    this.loads++;
    return this.db.size;
  }

  @CachePut({ key: 'product:{0.id}', ttl: 30 })
  @CacheTags((product: Product) => `product:${product.id}`)
  async save(product: Product): Promise<Product> {
    this.updates++;
    this.db.set(product.id, product);
    return product;
  }

  @CachePut({
    key: 'product:{0.id}',
    tags: (p: Product) => [`product:${p.id}`],
    condition: (p: Product) => p.name !== 'secret',
  })
  async saveUnlessSecret(product: Product): Promise<Product> {
    this.updates++;
    return product;
  }

  @CachePut({
    key: 'product:{0}',
    tags: (id: string) => [`product:${id}`],
    unless: (result: unknown) => result === null,
  })
  async rename(id: string, name: string): Promise<Product | null> {
    const product = this.db.get(id);
    if (!product) return null;
    const renamed = { ...product, name };
    this.db.set(id, renamed);
    return renamed;
  }

  @CacheEvict({ key: 'product:{0}' })
  async remove(id: string, fail = false): Promise<void> {
    if (fail) throw new Error('database down');
    this.db.delete(id);
  }

  @CacheEvict({ key: 'product:{0}', beforeInvocation: true })
  async removeEagerly(id: string): Promise<void> {
    throw new Error(`cannot remove ${id}`);
  }

  @CacheEvict({ tags: (id: string) => `product:${id}` })
  async touch(id: string): Promise<void> {
    this.updates++;
    void id;
  }

  @CacheEvict({ allEntries: true })
  async reset(): Promise<void> {
    this.db.clear();
  }

  @CacheEvict({ allEntries: true, namespace: 'stats' })
  async resetStats(): Promise<void> {}

  @CacheEvict({ key: 'product:{0}', condition: (_id: string, soft: boolean) => !soft })
  async archive(id: string, soft: boolean): Promise<void> {
    void id;
    void soft;
  }

  @CachePut({ key: 'product:{0.id}', tags: (p: Product) => [`product:${p.id}`] })
  @CacheEvict({ key: 'list' })
  @CacheEvict({ key: 'count', namespace: 'stats' })
  async create(product: Product): Promise<Product> {
    this.db.set(product.id, product);
    return product;
  }

  @CacheEvict({ key: 'product:{0}' })
  syncRemove(id: string): string {
    this.db.delete(id);
    return 'removed';
  }
}

@Injectable()
class OtherService {
  @Cacheable({ key: 'other' })
  async value(): Promise<string> {
    return 'other';
  }
}

let app: CacheApp;
let service: ProductsService;

beforeAll(async () => {
  app = await createCacheApp({ providers: [ProductsService, OtherService] });
  service = app.get(ProductsService);
});
afterAll(() => app.close());
beforeEach(async () => {
  await app.cache.clear();
  service.db.clear();
  service.db.set('1', { id: '1', name: 'one' });
  service.loads = service.updates = 0;
});

describe('@CachePut', () => {
  it('always runs the method and stores its result under the key, with its ttl and tags', async () => {
    await service.findOne('1');
    await service.save({ id: '1', name: 'uno' });
    await service.save({ id: '1', name: 'uno' });
    expect(service.updates).toBe(2);
    expect(await service.findOne('1')).toEqual({ id: '1', name: 'uno' });
    expect(service.loads).toBe(1);
    const ttl = await app.cache.ttl('product:1');
    expect(ttl).toBeGreaterThan(25);
    expect(ttl).toBeLessThanOrEqual(30);
    await app.cache.invalidateTags('product:1');
    expect(await app.cache.has('product:1')).toBe(false);
  });

  it('skips the store when condition is false, and when unless is true', async () => {
    await service.saveUnlessSecret({ id: '2', name: 'secret' });
    expect(service.updates).toBe(1);
    expect(await app.cache.has('product:2')).toBe(false);
    expect(await service.rename('404', 'x')).toBeNull();
    expect(await app.cache.has('product:404')).toBe(false);
    await service.rename('1', 'ein');
    expect(await app.cache.get('product:1')).toEqual({ id: '1', name: 'ein' });
  });
});

describe('@CacheEvict', () => {
  it('evicts before the method runs with beforeInvocation, even if it throws', async () => {
    await service.findOne('1');
    await expect(service.removeEagerly('1')).rejects.toThrow('cannot remove 1');
    expect(await app.cache.has('product:1')).toBe(false);
  });

  it('invalidates tags computed from the arguments', async () => {
    await service.findOne('1');
    await service.touch('1');
    expect(await app.cache.has('product:1')).toBe(false);
  });

  it('clears the entries of the class namespace with allEntries, and only those', async () => {
    await service.findOne('1');
    await service.findAll();
    await app.get(OtherService).value();
    await app.cache.set('manual', 1);
    await service.reset();
    expect(await app.cache.has('product:1')).toBe(false);
    expect(await app.cache.has('list')).toBe(false);
    expect(await app.cache.has('other')).toBe(true);
    expect(await app.cache.has('manual')).toBe(true);
  });

  it('clears a named namespace with allEntries and namespace', async () => {
    await service.count();
    await service.findOne('1');
    expect(await app.cache.has('stats:count')).toBe(true);
    await service.resetStats();
    expect(await app.cache.has('stats:count')).toBe(false);
    expect(await app.cache.has('product:1')).toBe(true);
  });

  it('skips the eviction when condition is false', async () => {
    await service.findOne('1');
    await service.archive('1', true);
    expect(await app.cache.has('product:1')).toBe(true);
    await service.archive('1', false);
    expect(await app.cache.has('product:1')).toBe(false);
  });

  it('combines with @CachePut and other @CacheEvict lines', async () => {
    await service.findAll();
    await service.count();
    await service.create({ id: '3', name: 'three' });
    expect(await app.cache.get('product:3')).toEqual({ id: '3', name: 'three' });
    expect(await app.cache.has('list')).toBe(false);
    expect(await app.cache.has('stats:count')).toBe(false);
  });

  it('makes a sync method return a Promise that settles after the eviction', async () => {
    await service.findOne('1');
    const result = service.syncRemove('1') as unknown;
    expect(result).toBeInstanceOf(Promise);
    expect(await result).toBe('removed');
    expect(await app.cache.has('product:1')).toBe(false);
  });
});
