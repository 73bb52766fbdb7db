// Stock levels: written through on every change the shop makes (orders, restocks), so the cache
// holds the new level at once, and read through a one-minute TTL, which only bounds how long a
// change made outside the shop (a warehouse import into the database) takes to show. A change also
// evicts the cached product page and card, which show the level (tag `stock:<id>`).
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { Cacheable, CacheEvict, WriteThrough } from 'nestjs-redis-cache';
import { cachingOn } from '../config/caching-switch.js';
import { SHOP_DATABASE } from '../database/database.js';
import type { ShopDatabase } from '../database/schema.js';

const STOCK_TTL = '1m';

export interface StockLevel {
  productId: number;
  stock: number;
  /** When this level was read from or written to the database. */
  checkedAt: string;
}

@Injectable()
export class InventoryService {
  constructor(@Inject(SHOP_DATABASE) private readonly db: Kysely<ShopDatabase>) {}

  /** null for an unknown product (not cached). */
  @Cacheable({
    key: 'stock:{0}',
    ttl: STOCK_TTL,
    l1: false,
    cacheNull: false,
    condition: cachingOn,
  })
  async stockOf(productId: number): Promise<StockLevel | null> {
    const row = await this.db
      .selectFrom('products')
      .select(['id', 'stock'])
      .where('id', '=', productId)
      .executeTakeFirst();
    return row ? level(row) : null;
  }

  /** Sets the level (a stock count, a delivery). The cache gets the new level once the database has it. */
  @WriteThrough({ key: 'stock:{0}', ttl: STOCK_TTL })
  async setStock(productId: number, stock: number): Promise<StockLevel> {
    const row = await this.db
      .updateTable('products')
      .set({ stock })
      .where('id', '=', productId)
      .returning(['id', 'stock'])
      .executeTakeFirst();
    if (!row) throw new NotFoundException(`product ${productId} does not exist`);
    return this.changed(level(row));
  }

  /**
   * Takes `quantity` units for an order, atomically in the database; 409 when there are not enough,
   * or when the database already has an order `orderId` (placed before: the caller returns it).
   */
  @WriteThrough({ key: 'stock:{0}', ttl: STOCK_TTL })
  async reserve(productId: number, quantity: number, orderId: string): Promise<StockLevel> {
    const row = await this.db
      .updateTable('products')
      .set((eb) => ({ stock: eb('stock', '-', quantity) }))
      .where('id', '=', productId)
      .where('stock', '>=', quantity)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('orders').select('id').where('id', '=', orderId))),
      )
      .returning(['id', 'stock'])
      .executeTakeFirst();
    if (!row)
      throw new ConflictException(
        `product ${productId} has fewer than ${quantity} unit${quantity === 1 ? '' : 's'} in stock`,
      );
    return this.changed(level(row));
  }

  /** Evicts the views that show the level besides its own entry: the product page and card. */
  @CacheEvict({ tags: (changed: StockLevel) => [`stock:${changed.productId}`] })
  async changed(changed: StockLevel): Promise<StockLevel> {
    return changed;
  }
}

function level(row: { id: number; stock: number }): StockLevel {
  return { productId: row.id, stock: row.stock, checkedAt: new Date().toISOString() };
}
