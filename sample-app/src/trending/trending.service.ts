// Trending products: every product page view adds one to the product's score in a sorted set of
// the day (ZINCRBY); the top of the set is today's trending list. Counting never slows or fails
// a page view: it is sent without waiting and skipped while Redis is unreachable. A view is one
// command, the hottest route's only Redis write: the set's expiry (cleanup of past days) is renewed
// once a minute, not per view. Kept under the shop's data prefix, outside the cache namespace.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { RedisCacheService } from 'nestjs-redis-cache';
import { dataPrefixOf, SHOP_CONFIG, type ShopConfig } from '../config/shop-config.js';
import type { ProductSummary } from '../products/product.js';
import { ProductsService } from '../products/products.service.js';

const KEEP_DAYS_S = 2 * 86_400;
const DAY_MS = 86_400_000;
/** How often the day's set has its expiry renewed: a set recreated meanwhile lives without one that long. */
const RENEW_EXPIRY_MS = 60_000;

export interface TrendingProduct {
  product: ProductSummary;
  views: number;
}

@Injectable()
export class TrendingService {
  private readonly logger = new Logger('Trending');
  /** The day's set the views go to, until renewAt (next minute or next UTC midnight, whichever first). */
  private dayKey = '';
  private renewAt = 0;

  constructor(
    @Inject(SHOP_CONFIG) private readonly config: ShopConfig,
    private readonly cache: RedisCacheService,
    private readonly products: ProductsService,
  ) {}

  recordView(productId: number): void {
    const client = this.cache.client;
    if (client.status !== 'ready') return;
    const now = Date.now();
    const renew = now >= this.renewAt;
    if (renew) {
      this.dayKey = this.key(now);
      this.renewAt = Math.min(now + RENEW_EXPIRY_MS, (Math.floor(now / DAY_MS) + 1) * DAY_MS);
    }
    const key = this.dayKey;
    client
      .zincrby(key, 1, String(productId))
      .catch((error: Error) => this.logger.debug(`view not counted: ${error.message}`));
    // After the ZINCRBY on the same connection, so the set exists when its expiry is set.
    if (renew)
      client.expire(key, KEEP_DAYS_S).catch((error: Error) => {
        this.renewAt = 0; // the next view tries again
        this.logger.debug(`trending expiry not renewed: ${error.message}`);
      });
  }

  async top(limit: number): Promise<TrendingProduct[]> {
    const client = this.cache.client;
    if (client.status !== 'ready') return [];
    let flat: string[];
    try {
      flat = await client.zrevrange(this.key(Date.now()), 0, limit - 1, 'WITHSCORES');
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
  private key(now: number): string {
    return `${dataPrefixOf(this.config)}:trending:${new Date(now).toISOString().slice(0, 10)}`;
  }
}
