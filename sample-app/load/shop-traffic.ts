// The request mix of `npm run load`: what a shop's visitors do, in proportions a shop sees
// (97 % reads). Product popularity follows a Zipf law (rank k is viewed ~1/k as often as the
// first) over the same ranking the seed used for orders and reviews, so best sellers are spread
// over every category. Listings, searches and pages follow Zipf laws of their own (page 1 and the
// common words most). Deterministic (seeded), so two runs send the same sequence.
import { randomUUID } from 'node:crypto';
import {
  BRANDS,
  CATEGORIES,
  FEATURES,
  mulberry32,
  popularityRanking,
  PRODUCT_COUNT,
  zipf,
} from '../src/database/catalogue-facts.js';

const CARTS = 500;
const SORTS = ['featured', 'featured', 'featured', 'price', 'price', 'rating', 'rating', 'newest'];
/** What visitors type into the search box: single features, brands, feature + category. */
const SEARCHES = [
  ...FEATURES,
  ...BRANDS.map((brand) => brand.toLowerCase()),
  ...FEATURES.slice(0, 10).map((feature, i) => `${feature} ${CATEGORIES[i].replace(/s$/, '')}`),
];

export interface ShopRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

type Pick = () => ShopRequest;

export class ShopTraffic {
  private readonly random = mulberry32(7);
  private readonly product = zipf(PRODUCT_COUNT, 1.0, this.random, popularityRanking());
  /** Pages of the simple category and brand listings (20 a page: up to ~40 pages). */
  private readonly page = zipf(40, 1.2, this.random);
  /** Pages of the catalogue listing and search: the first ten, by the same law. */
  private readonly listingPage = zipf(10, 1.2, this.random);
  private readonly search = zipf(SEARCHES.length, 1.0, this.random);
  /**
   * Weights per 10,000 requests (the README's table states them). Reads are 97 %; the writes are
   * as often as a busy shop sees them, generously: an order every ~110 requests (one for every ~60
   * page views, several times the usual e-commerce conversion), a restock every 1,250 and a price
   * change every 5,000 (at 1,500 requests/s, every product repriced about once a day).
   */
  private readonly mix: [weight: number, pick: Pick][] = [
    [3800, () => get(`/products/${this.product()}`)],
    [1100, () => get(`/products/${this.product()}/card`)],
    [700, () => get(`/products/${this.product()}/stock`)],
    [700, () => get(`/products/${this.product()}/recommendations`)],
    [900, () => get(`/products?category=${this.of(CATEGORIES)}&${this.sortAndPage()}`)],
    [400, () => get(`/products?brand=${this.of(BRANDS)}&${this.sortAndPage()}`)],
    [
      600,
      () =>
        get(`/products?q=${encodeURIComponent(SEARCHES[this.search() - 1])}&${this.sortAndPage()}`),
    ],
    [600, () => get(`/categories/${this.of(CATEGORIES)}/products?page=${this.page()}`)],
    [200, () => get(`/brands/${this.of(BRANDS)}/products?page=${this.page()}`)],
    [100, () => get('/brands')],
    [300, () => get('/trending')],
    [300, () => get(`/carts/${this.cart()}`)],
    [200, () => json('POST', `/carts/${this.cart()}/items`, { productId: this.product() })],
    // Shoppers buy what they view: orders follow the same popularity (a best seller may sell out:
    // a 409 is an answer, and restocks follow popularity too).
    [90, () => json('POST', '/orders', { id: randomUUID(), productId: this.product() })],
    [8, () => json('PUT', `/admin/products/${this.product()}/stock`, { stock: 500 })],
    [
      2,
      () =>
        json('PUT', `/admin/products/${this.product()}/price`, {
          price_cents: 500 + this.uniform(200_000),
        }),
    ],
  ];
  private readonly total = this.mix.reduce((sum, [weight]) => sum + weight, 0);

  next(): ShopRequest {
    let roll = this.random() * this.total;
    for (const [weight, pick] of this.mix) {
      roll -= weight;
      if (roll < 0) return pick();
    }
    return this.mix[0][1]();
  }

  private sortAndPage(): string {
    const sort = this.of(SORTS);
    // Its own law over ten pages: capping the 40-page one at 10 piled a quarter of these views on
    // page 10.
    const page = this.listingPage();
    return `${sort === 'featured' ? '' : `sort=${sort}&`}page=${page}`;
  }

  private of<T>(items: T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  private uniform(n: number): number {
    return 1 + Math.floor(this.random() * n);
  }

  private cart(): string {
    return `load-cart-${String(this.uniform(CARTS)).padStart(4, '0')}`;
  }
}

function get(path: string): ShopRequest {
  return { method: 'GET', path };
}

function json(method: 'POST' | 'PUT', path: string, body: unknown): ShopRequest {
  return {
    method,
    path,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  };
}
