// The shop's tables, as Kysely types: one query layer for SQLite and PostgreSQL.
import type { Generated } from 'kysely';

export interface ProductTable {
  id: Generated<number>;
  sku: string;
  name: string;
  category: string;
  brand: string;
  price_cents: number;
  stock: number;
  description: string;
}

export interface OrderTable {
  id: string;
  product_id: number;
  quantity: number;
  total_cents: number;
  created_at: string;
}

export interface ShopDatabase {
  products: ProductTable;
  orders: OrderTable;
}
