// Trending products: every product page view adds one to the product's score in a sorted set of
// the day (ZINCRBY); the top of the set is today's trending list. Counting never slows or fails
// a page view: it is sent without waiting and skipped while Redis is unreachable. Kept under the
// shop's data prefix, outside the cache namespace.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { RedisCacheService } from 'nestjs-redis-cache';
import { dataPrefixOf, SHOP_CONFIG, type ShopConfig } from '../config/shop-config.js';
import type { ProductSummary } from '../products/product.js';
import { ProductsService } from '../products/products.service.js';

const KEEP_DAYS_S = 2 * 86_400;

export interface TrendingProduct {
  product: ProductSummary;
  views: number;
}

@Injectable()
export class TrendingService {
  private readonly logger = new Logger('Trending');

  constructor(
    @Inject(SHOP_CONFIG) private readonly config: ShopConfig,
    private readonly cache: RedisCacheService,
    private readonly products: ProductsService,
  ) {}

  recordView(productId: number): void {
    const client = this.cache.client;
    if (client.status !== 'ready') return;
    const key = this.key();
    client
      .multi()
      .zincrby(key, 1, String(productId))
      .expire(key, KEEP_DAYS_S)
      .exec()
      .catch((error: Error) => this.logger.debug(`view not counted: ${error.message}`));
  }

  async top(limit: number): Promise<TrendingProduct[]> {
    const client = this.cache.client;
    if (client.status !== 'ready') return [];
    let flat: string[];
    try {
      flat = await client.zrevrange(this.key(), 0, limit - 1, 'WITHSCORES');
    } catch (error) {
      this.logger.warn(`trending unavailable: ${(error as Error).message}`);
      return [];
    }
    const result: TrendingProduct[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const product = await this.products.findOne(Number(flat[i]));
      if (!product) continue;
      const { id, name, category, brand, price_cents } = product;
      result.push({
        product: { id, name, category, brand, price_cents },
        views: Number(flat[i + 1]),
      });
    }
    return result;
  }

  /** One sorted set per UTC day. */
  private key(): string {
    return `${dataPrefixOf(this.config)}:trending:${new Date().toISOString().slice(0, 10)}`;
  }
}
