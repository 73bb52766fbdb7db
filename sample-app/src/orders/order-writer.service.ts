// Writes orders behind the request: a call caches the order and queues a durable job in Redis;
// a worker (this process or any other instance, also after a crash) inserts it later, retrying
// with backoff. The insert is idempotent by order id, so a job run twice writes one row.
import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { WriteBehind } from 'nestjs-redis-cache';
import { SHOP_DATABASE } from '../database/database.js';
import type { ShopDatabase } from '../database/schema.js';
import { orderToRow, type Order } from './order.js';

@Injectable()
export class OrderWriter {
  constructor(@Inject(SHOP_DATABASE) private readonly db: Kysely<ShopDatabase>) {}

  /** Queues the order (resolves once Redis holds it); the worker runs this body with it later. */
  @WriteBehind({ key: 'order:{0.id}', ttl: '1d', maxAttempts: 10 })
  async save(order: Order): Promise<void> {
    await this.insert(order);
  }

  /** The insert itself, also used directly when the shop runs without its cache. */
  async insert(order: Order): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('orders')
        .values(orderToRow(order))
        .onConflict((conflict) => conflict.column('id').doNothing())
        .execute();
      // Its line, which recommendations count co-purchases over.
      await trx
        .insertInto('order_items')
        .values({ order_id: order.id, product_id: order.productId, quantity: order.quantity })
        .onConflict((conflict) => conflict.columns(['order_id', 'product_id']).doNothing())
        .execute();
    });
  }
}
