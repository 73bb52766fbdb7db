// Placing and reading orders. Placing reserves stock synchronously (it must not oversell), then
// hands the order row to the write-behind queue: the customer does not wait for the insert.
// An order id is an idempotency key: placing the same id again returns the first order. A new id
// costs the database one statement before the queued insert: the claim in Redis says no request
// placed it within a day, and the reservation itself refuses an id the database already has.
import { ConflictException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { Cacheable, RedisCacheService } from 'nestjs-redis-cache';
import { cachingOn } from '../config/caching-switch.js';
import { dataPrefixOf, SHOP_CONFIG, type ShopConfig } from '../config/shop-config.js';
import { SHOP_DATABASE } from '../database/database.js';
import type { ShopDatabase } from '../database/schema.js';
import { InventoryService } from '../inventory/inventory.service.js';
import { ProductsService } from '../products/products.service.js';
import { orderFromRow, type Order } from './order.js';
import { OrderWriter } from './order-writer.service.js';

export interface OrderRequest {
  id: string;
  productId: number;
  quantity: number;
}

export interface PlacedOrder {
  order: Order;
  /** false when this id had been placed before (the first order is returned). */
  created: boolean;
}

const CLAIM_TTL_S = 86_400;

@Injectable()
export class OrdersService {
  private readonly logger = new Logger('Orders');

  constructor(
    @Inject(SHOP_DATABASE) private readonly db: Kysely<ShopDatabase>,
    @Inject(SHOP_CONFIG) private readonly config: ShopConfig,
    private readonly cache: RedisCacheService,
    private readonly products: ProductsService,
    private readonly inventory: InventoryService,
    private readonly writer: OrderWriter,
  ) {}

  /**
   * A queued order is in the cache under the same key (the write-behind stored it there), so it
   * can be read back before the worker inserted it; after that, from the database.
   */
  @Cacheable({ key: 'order:{0}', ttl: '1d', l1: false, cacheNull: false, condition: cachingOn })
  async findOne(id: string): Promise<Order | null> {
    const row = await this.db
      .selectFrom('orders')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? orderFromRow(row) : null;
  }

  async place(request: OrderRequest): Promise<PlacedOrder> {
    const claim = await this.claim(request.id);
    if (claim === 'taken') {
      const placed = await this.findOne(request.id);
      if (placed) return { order: placed, created: false };
      throw new ConflictException(`order ${request.id} is being placed by another request; retry`);
    }
    if (claim === 'unknown') {
      // No claim to go by (Redis unreachable): ask the cache, then the database.
      const existing = await this.findOne(request.id);
      if (existing) return { order: existing, created: false };
    }
    try {
      return { order: await this.create(request), created: true };
    } catch (error) {
      // An id placed longer ago than the claim lasts: the reservation refused it.
      const existing = error instanceof ConflictException ? await this.findOne(request.id) : null;
      if (existing) return { order: existing, created: false };
      // Not placed (unknown product, out of stock...): the id may be used again.
      if (claim === 'claimed') await this.release(request.id);
      throw error;
    }
  }

  private async create(request: OrderRequest): Promise<Order> {
    const product = await this.products.findOne(request.productId);
    if (!product) throw new NotFoundException(`product ${request.productId} does not exist`);
    await this.inventory.reserve(product.id, request.quantity, request.id);
    const order: Order = {
      id: request.id,
      productId: product.id,
      quantity: request.quantity,
      totalCents: product.price_cents * request.quantity,
      createdAt: new Date().toISOString(),
    };
    if (cachingOn()) await this.writer.save(order);
    else await this.writer.insert(order);
    return order;
  }

  /**
   * Two requests racing with the same new id: only the one that claims it places the order
   * (SET NX in Redis, kept a day). `unknown` without Redis: every request may place it, the
   * reservation and the insert's ON CONFLICT still keep one order.
   */
  private async claim(id: string): Promise<'claimed' | 'taken' | 'unknown'> {
    const client = this.cache.client;
    if (client.status !== 'ready') return 'unknown';
    try {
      const set = await client.set(this.claimKey(id), '1', 'EX', CLAIM_TTL_S, 'NX');
      return set === 'OK' ? 'claimed' : 'taken';
    } catch (error) {
      this.logger.debug(`order claim skipped (${(error as Error).message})`);
      return 'unknown'; // Redis failed mid-request: same as without Redis.
    }
  }

  private async release(id: string): Promise<void> {
    if (this.cache.client.status !== 'ready') return;
    await this.cache.client.del(this.claimKey(id)).catch((error: Error) => {
      this.logger.warn(`could not release the claim on order ${id}: ${error.message}`);
    });
  }

  private claimKey(id: string): string {
    return `${dataPrefixOf(this.config)}:order-claim:${id}`;
  }
}
