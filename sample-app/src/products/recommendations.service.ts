// "Bought together": for a product, the other products of its category ranked by how many past
// orders contained both (co-purchase counts over every order line of the category), then by
// popularity. An honest aggregate over ~100,000 order lines, the expensive read of the shop.
// Cached with XFetch early recomputation (one caller refreshes it shortly before it expires, so
// readers never wait for it) and a grace period (served stale while it refreshes, and while the
// database fails).
import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { Cacheable } from 'nestjs-redis-cache';
import { cachingOn } from '../config/caching-switch.js';
import { SHOP_DATABASE } from '../database/database.js';
import type { ShopDatabase } from '../database/schema.js';
import type { ProductSummary } from './product.js';

export interface Recommendation extends ProductSummary {
  /** Past orders that contained both this product and the one recommended for. */
  ordered: number;
}

const COUNT = 6;

@Injectable()
export class RecommendationsService {
  constructor(@Inject(SHOP_DATABASE) private readonly db: Kysely<ShopDatabase>) {}

  @Cacheable({
    key: 'recommendations:{0}',
    ttl: '2m',
    tags: (id: number) => [`product:${id}`],
    earlyRecompute: true,
    grace: '1m',
    condition: cachingOn,
  })
  async forProduct(id: number): Promise<Recommendation[]> {
    // Lines of the orders that contained the product, counted per other product bought with it.
    const together = this.db
      .selectFrom('order_items as line')
      .innerJoin('order_items as mine', 'mine.order_id', 'line.order_id')
      .where('mine.product_id', '=', id)
      .where('line.product_id', '!=', id)
      .select((eb) => ['line.product_id', eb.fn.countAll<number | string>().as('orders')])
      .groupBy('line.product_id');
    const rows = await this.db
      .selectFrom('products as p')
      .leftJoin(together.as('t'), 't.product_id', 'p.id')
      .where('p.category', '=', (eb) =>
        eb.selectFrom('products').select('category').where('id', '=', id),
      )
      .where('p.id', '!=', id)
      .select((eb) => [
        'p.id',
        'p.name',
        'p.category',
        'p.brand',
        'p.price_cents',
        eb.fn.coalesce('t.orders', eb.lit(0)).as('ordered'),
      ])
      .orderBy('ordered', 'desc')
      .orderBy('p.review_count', 'desc')
      .orderBy('p.id')
      .limit(COUNT)
      .execute();
    return rows.map((row) => ({ ...row, ordered: Number(row.ordered) }));
  }
}
