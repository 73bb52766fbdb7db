// Shopping carts as Redis hashes (product id -> quantity), one per cart id, expiring a week after
// the last change. Carts live only in Redis, under the shop's data prefix, outside the cache
// namespace (clearing the cache keeps them); when Redis is unreachable they answer 503.
import { Inject, Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { RedisCacheService } from 'nestjs-redis-cache';
import { dataPrefixOf, SHOP_CONFIG, type ShopConfig } from '../config/shop-config.js';
import { ProductsService } from '../products/products.service.js';

const CART_TTL_S = 7 * 86_400;

interface CartLine {
  productId: number;
  name: string;
  quantity: number;
  unitCents: number;
  lineCents: number;
}

export interface Cart {
  id: string;
  lines: CartLine[];
  totalCents: number;
}

@Injectable()
export class CartsService {
  constructor(
    @Inject(SHOP_CONFIG) private readonly config: ShopConfig,
    private readonly cache: RedisCacheService,
    private readonly products: ProductsService,
  ) {}

  async get(cartId: string): Promise<Cart> {
    const items = await this.redis((client) => client.hgetall(this.key(cartId)));
    const lines: CartLine[] = [];
    for (const [field, count] of Object.entries(items)) {
      // Product details come from the catalogue cache, so a cart view is mostly Redis reads.
      const product = await this.products.findOne(Number(field));
      if (!product) continue; // withdrawn since it was added
      const quantity = Number(count);
      lines.push({
        productId: product.id,
        name: product.name,
        quantity,
        unitCents: product.price_cents,
        lineCents: product.price_cents * quantity,
      });
    }
    lines.sort((a, b) => a.productId - b.productId);
    return { id: cartId, lines, totalCents: lines.reduce((sum, line) => sum + line.lineCents, 0) };
  }

  async add(cartId: string, productId: number, quantity: number): Promise<Cart> {
    if (!(await this.products.findOne(productId)))
      throw new NotFoundException(`product ${productId} does not exist`);
    await this.redis((client) =>
      client
        .multi()
        .hincrby(this.key(cartId), String(productId), quantity)
        .expire(this.key(cartId), CART_TTL_S)
        .exec(),
    );
    return this.get(cartId);
  }

  async remove(cartId: string, productId: number): Promise<Cart> {
    const removed = await this.redis((client) => client.hdel(this.key(cartId), String(productId)));
    if (removed === 0) throw new NotFoundException(`cart ${cartId} has no product ${productId}`);
    return this.get(cartId);
  }

  private key(cartId: string): string {
    return `${dataPrefixOf(this.config)}:cart:${cartId}`;
  }

  private async redis<T>(command: (client: RedisCacheService['client']) => Promise<T>): Promise<T> {
    if (this.cache.client.status !== 'ready')
      throw new ServiceUnavailableException('carts are kept in Redis, which is unreachable');
    try {
      return await command(this.cache.client);
    } catch (error) {
      throw new ServiceUnavailableException(
        `carts are kept in Redis, which failed: ${(error as Error).message}`,
      );
    }
  }
}
