// Methods that store the same keys agree on tags: when one decorator declares tags for a family
// of keys ('product:*') and another writes keys of that family without any, the app does not
// start, naming both methods; with tags declared on both, an eviction by tag reaches what either
// wrote, on real Redis.
import { Injectable, type Type } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CacheEvict,
  CachePut,
  CacheTags,
  Cacheable,
  WriteBehind,
  WriteThrough,
} from '../../lib/index.js';
import { CacheDecoratorError } from '../../lib/errors/errors.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';

interface Product {
  id: number;
  name: string;
}

const productTag = (id: unknown) => [`product:${String(id)}`];
const ofProduct = (product: Product) => [`product:${product.id}`];

class ProductsTable {
  readonly rows = new Map<number, Product>([[1, { id: 1, name: 'Teapot' }]]);
}

@Injectable()
class ProductsService {
  constructor(readonly table: ProductsTable) {}

  @Cacheable({ key: 'product:{0}', tags: productTag })
  async findOne(id: number): Promise<Product | null> {
    return this.table.rows.get(id) ?? null;
  }

  @CacheEvict({ tags: productTag })
  async remove(id: number): Promise<void> {
    this.table.rows.delete(id);
  }
}

/** A second provider writing `product:{0.id}` keys with the decorator `decorate` puts on `save`. */
function writer(decorate: MethodDecorator): Type {
  @Injectable()
  class ProductsWriter {
    constructor(readonly table: ProductsTable) {}

    async save(product: Product): Promise<Product> {
      this.table.rows.set(product.id, product);
      return product;
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(ProductsWriter.prototype, 'save')!;
  decorate(ProductsWriter.prototype, 'save', descriptor);
  Object.defineProperty(ProductsWriter.prototype, 'save', descriptor);
  return ProductsWriter;
}

const apps: CacheApp[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function start(...providers: Type[]): Promise<CacheApp> {
  const app = await createCacheApp({ providers: [ProductsTable, ...providers] });
  apps.push(app);
  return app;
}

async function bootstrapError(...providers: Type[]): Promise<CacheDecoratorError> {
  const error = await start(...providers).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CacheDecoratorError);
  return error as CacheDecoratorError;
}

describe('a method storing keys another tags, without tags of its own, fails bootstrap', () => {
  it('@CachePut beside a tagged @Cacheable: names both methods, the option and the fix', async () => {
    const error = await bootstrapError(
      ProductsService,
      writer(CachePut({ key: 'product:{0.id}' })),
    );
    expect(error.code).toBe('E_CACHE_DECORATOR');
    expect(error.method).toBe('ProductsWriter.save');
    expect(error.option).toBe('tags');
    expect(error.message).toContain('@CachePut on ProductsWriter.save: option "tags" is missing');
    expect(error.message).toContain('@Cacheable on ProductsService.findOne');
    expect(error.message).toContain("'product:*'");
    expect(error.message).toMatch(/@CacheTags/);
    expect(error.message).toMatch(/tags: \[\]/);
  });

  it.each([
    ['@WriteThrough', WriteThrough({ key: 'product:{0.id}' })],
    ['@WriteBehind', WriteBehind({ key: 'product:{0.id}' })],
  ])('%s beside a tagged @Cacheable', async (decorator, decorate) => {
    const error = await bootstrapError(ProductsService, writer(decorate));
    expect(error.message).toContain(
      `${decorator} on ProductsWriter.save: option "tags" is missing`,
    );
    expect(error.message).toContain('@Cacheable on ProductsService.findOne');
  });

  it('an untagged @Cacheable beside a tagged @CachePut', async () => {
    @Injectable()
    class UntaggedReader {
      @Cacheable({ key: 'product:{0}' })
      async findOne(id: number) {
        return id;
      }
    }
    const error = await bootstrapError(
      UntaggedReader,
      writer(CachePut({ key: 'product:{0.id}', tags: ofProduct })),
    );
    expect(error.message).toContain('@Cacheable on UntaggedReader.findOne');
    expect(error.message).toContain('@CachePut on ProductsWriter.save');
  });

  it('a decorator namespace is part of the keys compared', async () => {
    @Injectable()
    class Listings {
      @Cacheable({ namespace: 'listings', key: 'category:{0}', tags: ['listings'] })
      async list(slug: string) {
        return slug;
      }

      @CachePut({ key: 'listings:category:{0.slug}' })
      async rename(category: { slug: string }) {
        return category.slug;
      }
    }
    const error = await bootstrapError(Listings);
    expect(error.message).toContain('@CachePut on Listings.rename');
    expect(error.message).toContain("'listings:category:*'");
  });
});

describe('boots', () => {
  it.each([
    ['the put declares its tags', CachePut({ key: 'product:{0.id}', tags: ofProduct })],
    [
      'the put has @CacheTags',
      (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
        CachePut({ key: 'product:{0.id}' })(target, key, descriptor);
        CacheTags(ofProduct)(target, key, descriptor);
      },
    ],
    [
      'the put stores untagged on purpose (tags: [])',
      CachePut({ key: 'product:{0.id}', tags: [] }),
    ],
    ['the put writes another family', CachePut({ key: 'product:{0.id}:reviews' })],
    ['the put has a key function', CachePut({ key: (p: Product) => `product:${p.id}` })],
    ['in another namespace', CachePut({ namespace: 'drafts', key: 'product:{0.id}' })],
  ])('when %s', async (_name, decorate) => {
    await expect(
      start(ProductsService, writer(decorate as MethodDecorator)),
    ).resolves.toBeDefined();
  });
});

describe('with tags on both, an eviction by tag reaches what either wrote', () => {
  it('find, put, evict: the removed product is read from the database again', async () => {
    const Writer = writer(CachePut({ key: 'product:{0.id}', tags: ofProduct }));
    const app = await start(ProductsService, Writer);
    const products = app.get(ProductsService);
    const writerOf = app.get<{ save(product: Product): Promise<Product> }>(Writer);
    expect(await products.findOne(1)).toEqual({ id: 1, name: 'Teapot' });
    await writerOf.save({ id: 1, name: 'Teapot (blue)' });
    expect(await products.findOne(1)).toEqual({ id: 1, name: 'Teapot (blue)' });
    await products.remove(1);
    expect(await products.findOne(1)).toBeNull();
  });
});

describe('@CacheEvict({ allEntries: true }) reaches what every method of the family wrote', () => {
  @Injectable()
  class ClearableProducts {
    constructor(readonly table: ProductsTable) {}

    @Cacheable({ key: 'product:{0}', tags: productTag })
    async findOne(id: number): Promise<Product | null> {
      return this.table.rows.get(id) ?? null;
    }

    @CacheEvict({ allEntries: true })
    async clearAll(): Promise<void> {}
  }

  it.each([
    ['@WriteThrough', WriteThrough({ key: 'product:{0.id}', tags: ofProduct })],
    ['@CachePut of another class', CachePut({ key: 'product:{0.id}', tags: ofProduct })],
  ])('an entry written by %s is cleared too', async (_name, decorate) => {
    const Writer = writer(decorate);
    const app = await start(ClearableProducts, Writer);
    const products = app.get(ClearableProducts);
    const writerOf = app.get<{ save(product: Product): Promise<Product> }>(Writer);
    expect(await products.findOne(1)).toEqual({ id: 1, name: 'Teapot' });
    await writerOf.save({ id: 1, name: 'Teapot (blue)' });
    // Changed outside the app (a bulk import), then the whole cache of the class is cleared.
    app.get(ProductsTable).rows.set(1, { id: 1, name: 'Teapot (green)' });
    await products.clearAll();
    expect(await products.findOne(1)).toEqual({ id: 1, name: 'Teapot (green)' });
  });
});
