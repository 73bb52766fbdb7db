// Product reads: the product page cache-aside with @Cacheable (hot keys, so also kept in the
// in-process L1), the per-page category and brand listings likewise, and the catalogue listing and
// search (cached whole by its route); each tagged so that the admin price update evicts every view
// showing the product. Each cached method runs one query on a miss.
import { Inject, Injectable } from '@nestjs/common';
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { Cacheable, CacheEvict } from 'nestjs-redis-cache';
import { cachingOn } from '../config/caching-switch.js';
import { SHOP_CONFIG, type ShopConfig } from '../config/shop-config.js';
import { dialectOf, SHOP_DATABASE } from '../database/database.js';
import type { ShopDatabase } from '../database/schema.js';
import { SEARCH_DOCUMENT, type Dialect } from '../database/tables.js';
import type { Listing, ListingQuery } from './listing.js';
import {
  DETAIL_COLUMNS,
  LISTED_COLUMNS,
  productTags,
  SUMMARY_COLUMNS,
  type Product,
  type ProductPage,
  type ProductSummary,
} from './product.js';

const PAGE_SIZE = 20;

const ORDER_BY = {
  featured: [['id', 'asc']],
  price: [
    ['price_cents', 'asc'],
    ['id', 'asc'],
  ],
  price_desc: [
    ['price_cents', 'desc'],
    ['id', 'asc'],
  ],
  rating: [
    ['rating_avg', 'desc'],
    ['review_count', 'desc'],
    ['id', 'asc'],
  ],
  newest: [
    ['created_at', 'desc'],
    ['id', 'asc'],
  ],
} as const;

@Injectable()
export class ProductsService {
  private readonly dialect: Dialect;

  constructor(
    @Inject(SHOP_DATABASE) private readonly db: Kysely<ShopDatabase>,
    @Inject(SHOP_CONFIG) config: ShopConfig,
  ) {
    this.dialect = dialectOf(config);
  }

  /**
   * The product page, or null for an unknown id (not cached: random ids cannot fill Redis).
   * Popular pages are read thousands of times a second: the L1 keeps them in this process for
   * 10 s (invalidated across instances by the library's bus). Tagged by product (price changes)
   * and by stock (orders and stock updates).
   */
  @Cacheable({
    key: 'product:{0}',
    ttl: '10m',
    l1: '10s',
    tags: (id: number) => [`product:${id}`, `stock:${id}`],
    cacheNull: false,
    condition: cachingOn,
  })
  async findOne(id: number): Promise<ProductPage | null> {
    const categories =
      this.dialect === 'postgres'
        ? sql<string>`(SELECT string_agg(pc.category, ',' ORDER BY pc.category <> p.category, pc.category) FROM product_categories pc WHERE pc.product_id = p.id)`
        : sql<string>`(SELECT group_concat(category, ',') FROM (SELECT pc.category FROM product_categories pc WHERE pc.product_id = p.id ORDER BY pc.category <> p.category, pc.category))`;
    const row = await this.db
      .selectFrom('products as p')
      .innerJoin('brands as b', 'b.name', 'p.brand')
      .select([
        'p.id',
        'p.sku',
        'p.name',
        'p.category',
        'p.brand',
        'p.price_cents',
        'p.description',
        'p.created_at',
        'p.stock',
        'b.country as brand_country',
        'b.founded as brand_founded',
        categories.as('categories'),
        sql<
          number | string | null
        >`(SELECT AVG(r.rating) FROM reviews r WHERE r.product_id = p.id)`.as('rating_average'),
        sql<number | string>`(SELECT COUNT(*) FROM reviews r WHERE r.product_id = p.id)`.as(
          'review_count',
        ),
      ])
      .where('p.id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    return {
      ...row,
      categories: row.categories ? row.categories.split(',') : [row.category],
      rating_average:
        row.rating_average === null ? null : Math.round(Number(row.rating_average) * 100) / 100,
      review_count: Number(row.review_count),
    };
  }

  /**
   * The catalogue listing and search: filtered by category, brand and search words, sorted,
   * paginated and counted, in one query (the count is a window over the filtered rows, so a miss
   * costs one round trip; only a page past the end needs a second query for the count). Full-text
   * search on PostgreSQL (a GIN index), LIKE on SQLite. Not cached here: its route caches the
   * whole response (@CacheResponse).
   */
  async list(query: ListingQuery): Promise<Listing> {
    const filtered = this.db.selectFrom('products').where((eb) => {
      const conditions: Expression<SqlBool>[] = [];
      if (query.category) conditions.push(eb('category', '=', query.category));
      if (query.brand) conditions.push(eb('brand', '=', query.brand));
      if (query.q) conditions.push(this.matches(query.q));
      return eb.and(conditions);
    });
    let page = filtered
      .select(LISTED_COLUMNS)
      .select((eb) => eb.fn.countAll<number | string>().over().as('matching'))
      .limit(query.limit)
      .offset((query.page - 1) * query.limit);
    for (const [column, direction] of ORDER_BY[query.sort]) page = page.orderBy(column, direction);
    const rows = await page.execute();
    const total =
      rows.length > 0
        ? Number(rows[0].matching)
        : query.page === 1
          ? 0
          : Number(
              (
                await filtered
                  .select((eb) => eb.fn.countAll<number | string>().as('n'))
                  .executeTakeFirstOrThrow()
              ).n,
            );
    return {
      items: rows.map(({ matching: _total, ...item }) => ({
        ...item,
        rating_avg: Number(item.rating_avg),
      })),
      total,
      page: query.page,
      limit: query.limit,
      pages: Math.ceil(total / query.limit),
      sort: query.sort,
    };
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
   * After a change, every cached view showing the product is stale: its page and card, the
   * listings of its category and brand, catalogue-wide searches. Invalidating their tags is O(1)
   * per tag, however many pages are cached. (Self-calls go through the decorator: it is installed
   * on the prototype.)
   */
  @CacheEvict({ tags: (product: Product) => productTags(product) })
  async republish(product: Product): Promise<Product> {
    return product;
  }

  private matches(words: string): Expression<SqlBool> {
    if (this.dialect === 'postgres')
      return sql<SqlBool>`${SEARCH_DOCUMENT} @@ plainto_tsquery('english', ${words})`;
    // Every word, anywhere in the name or the description (as plainto_tsquery ANDs its words).
    const each = words.split(' ').map((word) => {
      const pattern = `%${word.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
      return sql<SqlBool>`(name LIKE ${pattern} ESCAPE '\\' OR description LIKE ${pattern} ESCAPE '\\')`;
    });
    return sql<SqlBool>`(${sql.join(each, sql` AND `)})`;
  }
}
