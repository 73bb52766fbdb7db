// An order as the API returns it and as the write-behind queue carries it.
import type { Selectable } from 'kysely';
import type { OrderTable } from '../database/schema.js';

export interface Order {
  id: string;
  productId: number;
  quantity: number;
  totalCents: number;
  createdAt: string;
}

export function orderFromRow(row: Selectable<OrderTable>): Order {
  return {
    id: row.id,
    productId: row.product_id,
    quantity: row.quantity,
    totalCents: row.total_cents,
    createdAt: row.created_at,
  };
}

export function orderToRow(order: Order): OrderTable {
  return {
    id: order.id,
    product_id: order.productId,
    quantity: order.quantity,
    total_cents: order.totalCents,
    created_at: order.createdAt,
  };
}
