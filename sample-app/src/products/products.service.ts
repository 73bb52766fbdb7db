// Product reads (cache-aside through RedisCacheService, tagged by product, category and brand)
// and the admin price update that invalidates them by tag.
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Kysely, Selectable } from 'kysely';
import { RedisCacheService } from 'nestjs-redis-cache';
import { SHOP_DATABASE } from '../database/database.js';
import type { ProductTable, ShopDatabase } from '../database/schema.js';

export type Product = Selectable<ProductTable>;

@Injectable()
export class ProductsService {
  constructor(
    @Inject(SHOP_DATABASE) private readonly db: Kysely<ShopDatabase>,
    private readonly cache: RedisCacheService,
  ) {}

  async findOne(id: number): Promise<Product> {
    const product = await this.cache.getOrSet(
      `product:${id}`,
      async () =>
        (await this.db
          .selectFrom('products')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirst()) ?? null,
      { ttl: '10m', tags: [`product:${id}`] },
    );
    if (!product) throw new NotFoundException(`product ${id} does not exist`);
    return product;
  }

  findByCategory(category: string, page: number): Promise<Product[]> {
    return this.cache.getOrSet(
      `category:${category}:page:${page}`,
      () =>
        this.db
          .selectFrom('products')
          .selectAll()
          .where('category', '=', category)
          .orderBy('id')
          .limit(20)
          .offset((page - 1) * 20)
          .execute(),
      { ttl: '5m', tags: [`category:${category}`] },
    );
  }

  async updatePrice(id: number, priceCents: number): Promise<Product> {
    const product = await this.db
      .updateTable('products')
      .set({ price_cents: priceCents })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!product) throw new NotFoundException(`product ${id} does not exist`);
    await this.cache.invalidateTags(
      `product:${id}`,
      `category:${product.category}`,
      `brand:${product.brand}`,
    );
    return product;
  }
}
