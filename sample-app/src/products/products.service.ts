// Product reads, cache-aside with @Cacheable: details tagged by product, listings tagged by their
// category or brand. The admin price update evicts all of them by tag. Each cached method runs
// exactly one query on a miss (the dashboard's "queries without the cache" estimate relies on it).
import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { Cacheable, CacheEvict } from 'nestjs-redis-cache';
import { cachingOn } from '../config/caching-switch.js';
import { SHOP_DATABASE } from '../database/database.js';
import type { ShopDatabase } from '../database/schema.js';
import {
  DETAIL_COLUMNS,
  productTags,
  SUMMARY_COLUMNS,
  type Product,
  type ProductSummary,
} from './product.js';

export const PAGE_SIZE = 20;

@Injectable()
export class ProductsService {
  constructor(@Inject(SHOP_DATABASE) private readonly db: Kysely<ShopDatabase>) {}

  /** null for an unknown id, and not cached: random ids cannot fill Redis. */
  @Cacheable({
    key: 'product:{0}',
    ttl: '10m',
    tags: (id: number) => [`product:${id}`],
    cacheNull: false,
    condition: cachingOn,
  })
  async findOne(id: number): Promise<Product | null> {
    const product = await this.db
      .selectFrom('products')
      .select(DETAIL_COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst();
    return product ?? null;
  }

  @Cacheable({
    key: 'category:{0}:page:{1}',
    ttl: '5m',
    tags: (category: string) => [`category:${category}`],
    condition: cachingOn,
  })
  listCategory(category: string, page: number): Promise<ProductSummary[]> {
    return this.db
      .selectFrom('products')
      .select(SUMMARY_COLUMNS)
      .where('category', '=', category)
      .orderBy('id')
      .limit(PAGE_SIZE)
      .offset((page - 1) * PAGE_SIZE)
      .execute();
  }

  @Cacheable({
    key: 'brand:{0}:page:{1}',
    ttl: '5m',
    tags: (brand: string) => [`brand:${brand}`],
    condition: cachingOn,
  })
  listBrand(brand: string, page: number): Promise<ProductSummary[]> {
    return this.db
      .selectFrom('products')
      .select(SUMMARY_COLUMNS)
      .where('brand', '=', brand)
      .orderBy('id')
      .limit(PAGE_SIZE)
      .offset((page - 1) * PAGE_SIZE)
      .execute();
  }

  /** The updated product, or null if there is none with this id. */
  async updatePrice(id: number, priceCents: number): Promise<Product | null> {
    const product = await this.db
      .updateTable('products')
      .set({ price_cents: priceCents })
      .where('id', '=', id)
      .returning(DETAIL_COLUMNS)
      .executeTakeFirst();
    return product ? this.republish(product) : null;
  }

  /**
   * After a change, every cached view showing the product is stale: its details and card, the
   * listings of its category and brand. Invalidating their tags is O(1) per tag, however many
   * pages are cached. (Self-calls go through the decorator: it is installed on the prototype.)
   */
  @CacheEvict({ tags: (product: Product) => productTags(product) })
  async republish(product: Product): Promise<Product> {
    return product;
  }
}
