// What the catalogue routes return. Field names are the database's (snake_case), and request
// bodies use the same names (`price_cents`).
import type { Selectable } from 'kysely';
import type { ProductTable } from '../database/schema.js';

/** Product details: the row without its stock and listing figures. */
export type Product = Pick<
  Selectable<ProductTable>,
  'id' | 'sku' | 'name' | 'category' | 'brand' | 'price_cents' | 'description'
>;

export const DETAIL_COLUMNS = [
  'id',
  'sku',
  'name',
  'category',
  'brand',
  'price_cents',
  'description',
] as const;

/**
 * The product page: the details joined with the brand, every category the product is in, its
 * stock level and the aggregate of its reviews (one query).
 */
export interface ProductPage extends Product {
  created_at: string;
  brand_country: string;
  brand_founded: number;
  /** Category slugs, the main one (`category`) first. */
  categories: string[];
  stock: number;
  /** Average of the product's reviews (two decimals), null without reviews. */
  rating_average: number | null;
  review_count: number;
}

/** A product in a listing: what a result page shows. */
export type ProductSummary = Pick<Product, 'id' | 'name' | 'category' | 'brand' | 'price_cents'>;

export const SUMMARY_COLUMNS = ['id', 'name', 'category', 'brand', 'price_cents'] as const;

/** A product in the catalogue listing (`GET /products`): the summary with its rating and date. */
export interface ListedProduct extends ProductSummary {
  rating_avg: number;
  review_count: number;
  created_at: string;
}

export const LISTED_COLUMNS = [
  ...SUMMARY_COLUMNS,
  'rating_avg',
  'review_count',
  'created_at',
] as const;

/**
 * Tags of every cached view that shows this product's price: its page and card, the listings of
 * its category and brand, and the catalogue-wide listings (search without a category or brand).
 */
export function productTags(product: Pick<Product, 'id' | 'category' | 'brand'>): string[] {
  return [
    `product:${product.id}`,
    `category:${product.category}`,
    `brand:${product.brand}`,
    CATALOGUE_TAG,
  ];
}

export const CATALOGUE_TAG = 'catalogue';
