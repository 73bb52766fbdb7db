// @Cacheable, @CachePut, @CacheEvict and @CacheTags on a real provider, on every topology: what is
// loaded from the "database", what is served from the cache, and what a put or an evict changes,
// also as seen by a second instance of the app. The home of these behaviours; test/decorators/
// keeps what is single-node only (key forms, options such as condition, unless and ttl, sync and
// Observable methods, bootstrap errors).
import { Injectable } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { CacheEvict, CachePut, CacheTags, Cacheable } from '../../lib/index.js';
import { topologies, useTopology } from '../support/topologies.js';

interface Product {
  id: string;
  name: string;
}

/** The "database", shared by the instances of one test. */
class ProductsTable {
  readonly rows = new Map<string, Product>();
  loads = 0;
}

@Injectable()
class ProductsService {
  constructor(readonly table: ProductsTable) {}

  @Cacheable({ key: 'product:{0}', tags: (id: string) => [`product:${id}`, 'products'] })
  async findOne(id: string): Promise<Product | null> {
    this.table.loads++;
    return this.table.rows.get(id) ?? null;
  }

  @Cacheable({ key: 'list', tags: ['products'] })
  async findAll(): Promise<Product[]> {
    this.table.loads++;
    return [...this.table.rows.values()];
  }

  @CachePut({ key: 'product:{0.id}' })
  @CacheTags((product: Product) => [`product:${product.id}`, 'products'])
  async save(product: Product): Promise<Product> {
    this.table.rows.set(product.id, product);
    return product;
  }

  @CacheEvict({ key: 'product:{0}' })
  async remove(id: string, fail = false): Promise<void> {
    if (fail) throw new Error('database down');
    this.table.rows.delete(id);
  }

  @CacheEvict({ tags: ['products'] })
  async reload(): Promise<void> {}
}

describe.each(topologies)('decorators on $name', (topology) => {
  const redis = useTopology(topology);

  async function instances(count: number) {
    const table = new ProductsTable();
    const providers = [{ provide: ProductsTable, useValue: table }, ProductsService];
    const first = await redis.app({}, { providers });
    const apps = [first];
    for (let i = 1; i < count; i++)
      apps.push(await redis.app({ namespace: first.namespace }, { providers }));
    return { table, apps, services: apps.map((app) => app.get(ProductsService)) };
  }

  it('@Cacheable loads once and serves every instance from the cache', async () => {
    const { table, services, apps } = await instances(2);
    table.rows.set('1', { id: '1', name: 'shoe' });
    expect(await services[0].findOne('1')).toEqual({ id: '1', name: 'shoe' });
    expect(await services[0].findOne('1')).toEqual({ id: '1', name: 'shoe' });
    expect(await services[1].findOne('1')).toEqual({ id: '1', name: 'shoe' });
    expect(table.loads).toBe(1);
    // Every argument has its own entry, each in its own slot on the Cluster.
    for (const id of ['2', '3', '4', '5']) await services[1].findOne(id);
    expect(table.loads).toBe(5);
    expect(await apps[0].cache.get('product:1')).toEqual({ id: '1', name: 'shoe' });
    expect(await apps[0].cache.get('product:2')).toBeNull();
  });

  it('@CachePut stores the result for the other instance; @CacheEvict removes it after success only', async () => {
    const { table, services, apps } = await instances(2);
    await services[0].save({ id: '7', name: 'boot' });
    expect(await services[1].findOne('7')).toEqual({ id: '7', name: 'boot' });
    expect(table.loads).toBe(0);

    await expect(services[0].remove('7', true)).rejects.toThrow('database down');
    expect(await services[1].findOne('7')).toEqual({ id: '7', name: 'boot' });
    expect(table.loads).toBe(0);

    await services[0].remove('7');
    expect(await apps[1].cache.has('product:7')).toBe(false);
    expect(await services[1].findOne('7')).toBeNull();
    expect(table.loads).toBe(1);
  });

  it('@CacheEvict of a tag invalidates every entry carrying it', async () => {
    const { table, services } = await instances(1);
    table.rows.set('1', { id: '1', name: 'a' });
    table.rows.set('2', { id: '2', name: 'b' });
    await services[0].findAll();
    await services[0].findOne('1');
    await services[0].findOne('2');
    expect(table.loads).toBe(3);
    table.rows.set('1', { id: '1', name: 'renamed' });
    await services[0].reload();
    expect(await services[0].findAll()).toHaveLength(2);
    expect(await services[0].findOne('1')).toEqual({ id: '1', name: 'renamed' });
    expect(table.loads).toBe(5);
  });

  it('@CacheTags on a put: invalidating the product tag evicts the stored entry', async () => {
    const { table, services, apps } = await instances(1);
    await services[0].save({ id: '9', name: 'sock' });
    expect(await apps[0].cache.get('product:9')).toEqual({ id: '9', name: 'sock' });
    await apps[0].cache.invalidateTags('product:9');
    expect(await apps[0].cache.get('product:9')).toBeUndefined();
    expect(await services[0].findOne('9')).toEqual({ id: '9', name: 'sock' });
    expect(table.loads).toBe(1);
  });
});
