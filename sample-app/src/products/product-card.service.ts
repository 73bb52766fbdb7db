// The product card fragment a storefront embeds (name, brand, price, rating, stock), cached as
// rendered HTML: a hit skips both the lookup and the rendering. It is rendered from the product
// page (itself cached, in the L1 when hot), so a card miss of a viewed product costs no query;
// tagged like the page (price changes, stock changes), so it is evicted with it.
import { Injectable } from '@nestjs/common';
import { Cacheable } from 'nestjs-redis-cache';
import { cachingOn } from '../config/caching-switch.js';
import { ProductsService } from './products.service.js';

@Injectable()
export class ProductCardService {
  constructor(private readonly products: ProductsService) {}

  /** The card's HTML, or null for an unknown product (not cached). */
  @Cacheable({
    key: 'card:{0}',
    ttl: '10m',
    tags: (id: number) => [`product:${id}`, `stock:${id}`],
    cacheNull: false,
    condition: cachingOn,
  })
  async render(id: number): Promise<string | null> {
    const product = await this.products.findOne(id);
    if (!product) return null;
    const price = (product.price_cents / 100).toFixed(2);
    const availability = product.stock > 0 ? `${product.stock} in stock` : 'out of stock';
    const rating =
      product.rating_average === null
        ? 'no reviews yet'
        : `${product.rating_average.toFixed(1)} / 5 (${product.review_count} review${product.review_count === 1 ? '' : 's'})`;
    return [
      `<article class="product-card" data-product-id="${product.id}">`,
      `  <h3>${escapeHtml(product.name)}</h3>`,
      `  <p class="brand">${escapeHtml(product.brand)} &middot; ${escapeHtml(product.category)}</p>`,
      `  <p class="price">$${price}</p>`,
      `  <p class="rating">${rating}</p>`,
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
