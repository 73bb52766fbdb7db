// Seeds a realistic catalogue on first start: 10,000 products over categories and brands, stock
// levels and some orders. Deterministic (a seeded generator), so every fresh clone sees the same shop.
import type { Kysely } from 'kysely';
import { BRANDS, CATEGORIES, mulberry32, PRODUCT_COUNT } from './catalogue-facts.js';
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

export async function seedCatalogue(db: Kysely<ShopDatabase>): Promise<void> {
  const existing = await db
    .selectFrom('products')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) return;
  const random = mulberry32(42);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
  for (let start = 1; start <= PRODUCT_COUNT; start += 500) {
    const rows = [];
    for (let id = start; id < start + 500 && id <= PRODUCT_COUNT; id++) {
      const category = pick(CATEGORIES);
      const brand = pick(BRANDS);
      rows.push({
        id,
        sku: `SKU-${String(id).padStart(6, '0')}`,
        name: `${brand} ${pick(ADJECTIVES)} ${category.replace(/s$/, '')} ${id}`,
        category,
        brand,
        price_cents: 499 + Math.floor(random() * 200_000),
        stock: Math.floor(random() * 500),
        description: `A ${category} product by ${brand}, item ${id}.`,
      });
    }
    await db.insertInto('products').values(rows).execute();
  }
  const orders = Array.from({ length: 200 }, (_, i) => {
    const productId = 1 + Math.floor(random() * PRODUCT_COUNT);
    const quantity = 1 + Math.floor(random() * 3);
    return {
      id: `seed-${i + 1}`,
      product_id: productId,
      quantity,
      total_cents: quantity * 1999,
      created_at: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(),
    };
  });
  await db.insertInto('orders').values(orders).execute();
}
