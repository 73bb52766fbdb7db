// The request mix of `npm run load`: what a shop's visitors do, in proportions a shop sees
// (90 % reads). Product popularity follows a Zipf law (rank k is viewed ~1/k as often as the
// first), with ranks spread over the catalogue by a fixed shuffle, so every category has hits.
// Deterministic (seeded), so two runs send the same sequence.
import { randomUUID } from 'node:crypto';
import { BRANDS, CATEGORIES, mulberry32, PRODUCT_COUNT } from '../src/database/catalogue-facts.js';

const CARTS = 500;

export interface ShopRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

type Pick = () => ShopRequest;

export class ShopTraffic {
  private readonly random = mulberry32(7);
  private readonly product = zipf(
    PRODUCT_COUNT,
    1.0,
    this.random,
    shuffled(PRODUCT_COUNT, mulberry32(11)),
  );
  private readonly page = zipf(40, 1.2, this.random);
  private readonly mix: [weight: number, pick: Pick][] = [
    [40, () => get(`/products/${this.product()}`)],
    [12, () => get(`/products/${this.product()}/card`)],
    [8, () => get(`/products/${this.product()}/stock`)],
    [5, () => get(`/products/${this.product()}/recommendations`)],
    [13, () => get(`/categories/${this.of(CATEGORIES)}/products?page=${this.page()}`)],
    [7, () => get(`/brands/${this.of(BRANDS)}/products?page=${this.page()}`)],
    [3, () => get('/trending')],
    [2, () => get(`/carts/${this.cart()}`)],
    [4, () => json('POST', `/carts/${this.cart()}/items`, { productId: this.product() })],
    // Orders are spread evenly: a popular product would soon be sold out (409s are fine, though).
    [
      4,
      () => json('POST', '/orders', { id: randomUUID(), productId: this.uniform(PRODUCT_COUNT) }),
    ],
    [
      1,
      () =>
        json('PUT', `/admin/products/${this.product()}/price`, {
          priceCents: 500 + this.uniform(200_000),
        }),
    ],
    [1, () => json('PUT', `/admin/products/${this.uniform(PRODUCT_COUNT)}/stock`, { stock: 500 })],
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

/** Samples 1..n with P(k) ∝ 1/k^s (through `labels` when given: rank k -> labels[k - 1]). */
function zipf(n: number, s: number, random: () => number, labels?: number[]): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 1; k <= n; k++) cdf[k - 1] = sum += 1 / k ** s;
  return () => {
    const target = random() * sum;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cdf[mid] < target) low = mid + 1;
      else high = mid;
    }
    return labels ? labels[low] : low + 1;
  };
}

/** 1..n in a fixed random order (Fisher-Yates). */
function shuffled(n: number, random: () => number): number[] {
  const items = Array.from({ length: n }, (_, i) => i + 1);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
