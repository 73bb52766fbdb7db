// Cart routes: a cart is identified by an id the client keeps (a session cookie would hold it).
import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { idParam, intField, objectBody, tokenParam } from '../common/input.js';
import { CartsService, type Cart } from './carts.service.js';

@Controller('carts/:cartId')
export class CartsController {
  constructor(private readonly carts: CartsService) {}

  @Get()
  get(@Param('cartId') cartId: string): Promise<Cart> {
    return this.carts.get(tokenParam(cartId, 'cart id'));
  }

  @Post('items')
  add(@Param('cartId') cartId: string, @Body() body: unknown): Promise<Cart> {
    const id = tokenParam(cartId, 'cart id');
    const { productId, quantity } = objectBody(body, ['productId', 'quantity']);
    return this.carts.add(
      id,
      intField(productId, 'productId', 1, 2_147_483_647),
      intField(quantity ?? 1, 'quantity', 1, 99),
    );
  }

  @Delete('items/:productId')
  remove(@Param('cartId') cartId: string, @Param('productId') productId: string): Promise<Cart> {
    return this.carts.remove(tokenParam(cartId, 'cart id'), idParam(productId, 'productId'));
  }
}
