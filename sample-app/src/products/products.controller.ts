// HTTP routes of the catalogue. Inputs are validated before any cache key is built from them.
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Param,
  ParseIntPipe,
  Put,
  Query,
} from '@nestjs/common';
import { ProductsService, type Product } from './products.service.js';

const CATEGORY = /^[a-z][a-z-]{0,31}$/;

@Controller()
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Get('products/:id')
  findOne(@Param('id', ParseIntPipe) id: number): Promise<Product> {
    if (id < 1) throw new BadRequestException('id must be a positive integer');
    return this.products.findOne(id);
  }

  @Get('categories/:category/products')
  findByCategory(
    @Param('category') category: string,
    @Query('page') page = '1',
  ): Promise<Product[]> {
    if (!CATEGORY.test(category))
      throw new BadRequestException('category must be lowercase letters and dashes');
    const pageNumber = Number(page);
    if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > 1000) {
      throw new BadRequestException('page must be an integer from 1 to 1000');
    }
    return this.products.findByCategory(category, pageNumber);
  }

  @Put('admin/products/:id/price')
  updatePrice(
    @Param('id', ParseIntPipe) id: number,
    @Body() body: { priceCents?: unknown },
  ): Promise<Product> {
    const price = body?.priceCents;
    if (typeof price !== 'number' || !Number.isInteger(price) || price < 0) {
      throw new BadRequestException('priceCents must be a non-negative integer');
    }
    return this.products.updatePrice(id, price);
  }
}
