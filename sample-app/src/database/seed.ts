// Seeds a realistic catalogue on first start: 10,000 products over categories and brands, each in
// one to three categories, 200,000 reviews and 40,000 past orders (100,000 order lines), all
// following one popularity ranking (best sellers are viewed, bought and reviewed most).
// Deterministic (seeded generators), so every fresh clone sees the same shop. Takes a few seconds.
import type { Insertable } from 'kysely';
import {
  BRANDS,
  CATEGORIES,
  FEATURES,
  mulberry32,
  popularityRanking,
  PRODUCT_COUNT,
  SEEDED_ORDERS,
  SEEDED_REVIEWS,
  zipf,
} from './catalogue-facts.js';
import type { ShopDatabase } from './schema.js';

const ADJECTIVES = [
  'Compact',
  'Pro',
  'Ultra',
  'Classic',
  'Smart',
  'Eco',
  'Max',
  'Mini',
  'Deluxe',
  'Essential',
];
const COUNTRIES = ['Germany', 'Japan', 'USA', 'Sweden', 'Korea', 'Italy', 'Canada', 'France'];
const REVIEW_TITLES = ['Disappointing', 'Not great', 'Does the job', 'Very good', 'Excellent'];
const DAY_MS = 86_400_000;

type Rows<T extends keyof ShopDatabase> = Insertable<ShopDatabase[T]>[];

/** Writes many rows into a table at once, the fastest way the database offers (see bulk-insert.ts). */
export type BulkInsert = <T extends keyof ShopDatabase & string>(
  table: T,
  rows: Insertable<ShopDatabase[T]>[],
) => Promise<void>;

export async function seedCatalogue(insert: BulkInsert): Promise<void> {
  const random = mulberry32(42);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const ranking = popularityRanking();

  const products: Rows<'products'> = [];
  const productCategories: Rows<'product_categories'> = [];
  const quality = new Float64Array(PRODUCT_COUNT + 1);
  for (let id = 1; id <= PRODUCT_COUNT; id++) {
    const category = pick(CATEGORIES);
    const brand = pick(BRANDS);
    const features = [pick(FEATURES), pick(FEATURES), pick(FEATURES)];
    products.push({
      id,
      sku: `SKU-${String(id).padStart(6, '0')}`,
      name: `${brand} ${pick(ADJECTIVES)} ${category.replace(/s$/, '')} ${id}`,
      category,
      brand,
      price_cents: 499 + Math.floor(random() * 200_000),
      stock: Math.floor(random() * 500),
      description:
        `A ${features[0]} ${category.replace(/s$/, '')} by ${brand}: ${features[1]}, ` +
        `${features[2]}. Item ${id}.`,
      created_at: new Date(
        Date.UTC(2023, 0, 1) + Math.floor(random() * 1000) * DAY_MS,
      ).toISOString(),
      rating_avg: 0,
      review_count: 0,
    });
    const categories = new Set([category]);
    for (let extra = Math.floor(random() * 3); extra > 0; extra--) categories.add(pick(CATEGORIES));
    for (const slug of categories) productCategories.push({ product_id: id, category: slug });
    quality[id] = 2.2 + random() * 2.6;
  }

  // Reviews: popular products have thousands, the long tail a handful.
  const reviewed = zipf(PRODUCT_COUNT, 0.7, random, ranking);
  const reviews: Rows<'reviews'> = [];
  const ratingSum = new Float64Array(PRODUCT_COUNT + 1);
  const ratingCount = new Uint32Array(PRODUCT_COUNT + 1);
  for (let id = 1; id <= SEEDED_REVIEWS; id++) {
    const productId = reviewed();
    const rating = Math.min(5, Math.max(1, Math.round(quality[productId] + (random() - 0.5) * 3)));
    ratingSum[productId] += rating;
    ratingCount[productId]++;
    reviews.push({
      id,
      product_id: productId,
      rating,
      title: REVIEW_TITLES[rating - 1],
      created_at: new Date(
        Date.UTC(2024, 0, 1) + Math.floor(random() * 700) * DAY_MS,
      ).toISOString(),
    });
  }
  for (const product of products) {
    const count = ratingCount[product.id as number];
    product.review_count = count;
    product.rating_avg =
      count > 0 ? Math.round((ratingSum[product.id as number] / count) * 100) / 100 : 0;
  }

  // Orders: the first product by popularity, the others often from the same category.
  const byCategory = new Map<string, number[]>(CATEGORIES.map((slug) => [slug, []]));
  const categoryOf = new Map<number, string>();
  for (const product of products) categoryOf.set(product.id as number, product.category);
  for (const id of ranking) byCategory.get(categoryOf.get(id)!)!.push(id);
  const inCategory = new Map(
    [...byCategory].map(([slug, ids]) => [slug, zipf(ids.length, 1, random, ids)]),
  );
  const bought = zipf(PRODUCT_COUNT, 1, random, ranking);
  const orders: Rows<'orders'> = [];
  const orderItems: Rows<'order_items'> = [];
  for (let i = 1; i <= SEEDED_ORDERS; i++) {
    const id = `seed-${i}`;
    const first = bought();
    const basket = new Set([first]);
    for (let more = Math.floor(random() * 4); more > 0; more--)
      basket.add(random() < 0.5 ? inCategory.get(categoryOf.get(first)!)!() : bought());
    let total = 0;
    for (const productId of basket) {
      const quantity = 1 + Math.floor(random() * 2);
      total += quantity * (products[productId - 1].price_cents as number);
      orderItems.push({ order_id: id, product_id: productId, quantity });
    }
    orders.push({
      id,
      product_id: first,
      quantity: orderItems[orderItems.length - basket.size].quantity,
      total_cents: total,
      created_at: new Date(Date.UTC(2025, 0, 1) + i * 600_000).toISOString(),
    });
  }

  await insert(
    'brands',
    BRANDS.map((name, i) => ({
      name,
      country: COUNTRIES[i % COUNTRIES.length],
      founded: 1950 + i * 5,
    })),
  );
  await insert(
    'categories',
    CATEGORIES.map((slug) => ({ slug, title: slug[0].toUpperCase() + slug.slice(1) })),
  );
  await insert('products', products);
  await insert('product_categories', productCategories);
  await insert('reviews', reviews);
  await insert('orders', orders);
  await insert('order_items', orderItems);
}
