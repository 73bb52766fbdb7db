// Order routes. POST answers 202 Accepted for a new order (the insert is queued, write-behind)
// and 200 with the first order when the same id is placed again.
import { Body, Controller, Get, NotFoundException, Param, Post, Res } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { intField, objectBody, tokenParam } from '../common/input.js';
import type { Order } from './order.js';
import { OrdersService, type PlacedOrder } from './orders.service.js';

const MAX_QUANTITY = 10;

interface StatusResponse {
  status(code: number): unknown;
}

@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  async place(
    @Body() body: unknown,
    @Res({ passthrough: true }) response: StatusResponse,
  ): Promise<PlacedOrder> {
    const fields = objectBody(body, ['id', 'productId', 'quantity']);
    const placed = await this.orders.place({
      // A client that may retry sends its own id; otherwise the shop picks one.
      id: fields.id === undefined ? randomUUID() : tokenParam(fields.id, 'id'),
      productId: intField(fields.productId, 'productId', 1, 2_147_483_647),
      quantity: intField(fields.quantity ?? 1, 'quantity', 1, MAX_QUANTITY),
    });
    response.status(placed.created ? 202 : 200);
    return placed;
  }

  @Get(':id')
  async findOne(@Param('id') rawId: string): Promise<Order> {
    const id = tokenParam(rawId, 'order id');
    const order = await this.orders.findOne(id);
    if (!order) throw new NotFoundException(`order ${id} does not exist`);
    return order;
  }
}
