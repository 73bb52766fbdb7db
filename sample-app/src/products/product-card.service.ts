// The product card fragment a storefront embeds, cached as rendered HTML: a hit skips both the
// query and the rendering. Tagged by product, so a price change evicts it with the details.
import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { Cacheable } from 'nestjs-redis-cache';
import { cachingOn } from '../config/caching-switch.js';
import { SHOP_DATABASE } from '../database/database.js';
import type { ShopDatabase } from '../database/schema.js';

@Injectable()
export class ProductCardService {
  constructor(@Inject(SHOP_DATABASE) private readonly db: Kysely<ShopDatabase>) {}

  /** The card's HTML, or null for an unknown product (not cached). */
  @Cacheable({
    key: 'card:{0}',
    ttl: '10m',
    tags: (id: number) => [`product:${id}`],
    cacheNull: false,
    condition: cachingOn,
  })
  async render(id: number): Promise<string | null> {
    const product = await this.db
      .selectFrom('products')
      .select(['id', 'sku', 'name', 'brand', 'category', 'price_cents', 'stock'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!product) return null;
    const price = (product.price_cents / 100).toFixed(2);
    const availability = product.stock > 0 ? `${product.stock} in stock` : 'out of stock';
    return [
      `<article class="product-card" data-product-id="${product.id}">`,
      `  <h3>${escapeHtml(product.name)}</h3>`,
      `  <p class="brand">${escapeHtml(product.brand)} &middot; ${escapeHtml(product.category)}</p>`,
      `  <p class="price">$${price}</p>`,
      `  <p class="stock">${availability}</p>`,
      `  <a href="/products/${product.id}">${escapeHtml(product.sku)}</a>`,
      `</article>`,
    ].join('\n');
  }
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );
}
