// The shop's tables, as Kysely types: one query layer for SQLite and PostgreSQL.
import type { Generated } from 'kysely';

export interface ProductTable {
  id: Generated<number>;
  sku: string;
  name: string;
  /** The product's main category (a `categories.slug`); `product_categories` lists all of them. */
  category: string;
  /** A `brands.name`. */
  brand: string;
  price_cents: number;
  stock: number;
  description: string;
  /** ISO timestamp: listings sort by it ("newest"). */
  created_at: string;
  /**
   * Average rating and number of reviews, kept beside the product as shops do for listings (sorting
   * 800 products by a live aggregate of their reviews would be a full aggregate per page). The
   * product page computes its figures live from `reviews`.
   */
  rating_avg: number;
  review_count: number;
}

interface BrandTable {
  name: string;
  country: string;
  founded: number;
}

interface CategoryTable {
  slug: string;
  title: string;
}

interface ProductCategoryTable {
  product_id: number;
  category: string;
}

interface ReviewTable {
  id: Generated<number>;
  product_id: number;
  rating: number;
  title: string;
  created_at: string;
}

export interface OrderTable {
  id: string;
  product_id: number;
  quantity: number;
  total_cents: number;
  created_at: string;
}

/** The products of an order (an order placed through the API has one line). */
interface OrderItemTable {
  order_id: string;
  product_id: number;
  quantity: number;
}

interface ShopMetaTable {
  key: string;
  value: string;
}

export interface ShopDatabase {
  products: ProductTable;
  brands: BrandTable;
  categories: CategoryTable;
  product_categories: ProductCategoryTable;
  reviews: ReviewTable;
  orders: OrderTable;
  order_items: OrderItemTable;
  shop_meta: ShopMetaTable;
}
