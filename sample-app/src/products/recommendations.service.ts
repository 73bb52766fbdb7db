// "You may also like": an aggregate over the product's category and every order, the expensive
// read of the shop. Cached with XFetch early recomputation (one caller refreshes it shortly before
// it expires, so readers never wait for it) and a grace period (served stale while it refreshes).
import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { Cacheable } from 'nestjs-redis-cache';
import { cachingOn } from '../config/caching-switch.js';
import { SHOP_DATABASE } from '../database/database.js';
import type { ShopDatabase } from '../database/schema.js';
import type { ProductSummary } from './product.js';

export interface Recommendation extends ProductSummary {
  /** Units ordered, over all orders. */
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
    // Same category, best sellers first, then the same brand, then the closest price.
    const rows = await this.db
      .selectFrom('products as p')
      .innerJoin('products as base', 'base.category', 'p.category')
      .leftJoin('orders as o', 'o.product_id', 'p.id')
      .where('base.id', '=', id)
      .where('p.id', '!=', id)
      .select((eb) => [
        'p.id',
        'p.name',
        'p.category',
        'p.brand',
        'p.price_cents',
        eb.fn.coalesce(eb.fn.sum<number>('o.quantity'), eb.lit(0)).as('ordered'),
        eb
          .case()
          .when('p.brand', '=', eb.ref('base.brand'))
          .then(0)
          .else(1)
          .end()
          .as('other_brand'),
        eb.fn<number>('abs', [eb('p.price_cents', '-', eb.ref('base.price_cents'))]).as('distance'),
      ])
      .groupBy([
        'p.id',
        'p.name',
        'p.category',
        'p.brand',
        'p.price_cents',
        'base.brand',
        'base.price_cents',
      ])
      .orderBy('ordered', 'desc')
      .orderBy('other_brand')
      .orderBy('distance')
      .limit(COUNT)
      .execute();
    return rows.map(({ id, name, category, brand, price_cents, ordered }) => ({
      id,
      name,
      category,
      brand,
      price_cents,
      ordered: Number(ordered),
    }));
  }
}
