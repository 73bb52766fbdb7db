// What the catalogue routes return.
import type { Selectable } from 'kysely';
import type { ProductTable } from '../database/schema.js';

/** Product details. The stock level is not part of them: it changes with every order and has its own short-lived cache (GET /products/:id/stock). */
export type Product = Omit<Selectable<ProductTable>, 'stock'>;

export const DETAIL_COLUMNS = [
  'id',
  'sku',
  'name',
  'category',
  'brand',
  'price_cents',
  'description',
] as const;

/** A product in a listing: what a result page shows. */
export type ProductSummary = Pick<Product, 'id' | 'name' | 'category' | 'brand' | 'price_cents'>;

export const SUMMARY_COLUMNS = ['id', 'name', 'category', 'brand', 'price_cents'] as const;

/** Tags of every cached view that shows this product's price. */
export function productTags(product: Pick<Product, 'id' | 'category' | 'brand'>): string[] {
  return [`product:${product.id}`, `category:${product.category}`, `brand:${product.brand}`];
}
