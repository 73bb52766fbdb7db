// Stock routes: the level shown on a product page, and the admin stock update (write-through).
import { Body, Controller, Get, NotFoundException, Param, Put } from '@nestjs/common';
import { idParam, intField, objectBody } from '../common/input.js';
import { InventoryService, type StockLevel } from './inventory.service.js';

const MAX_STOCK = 1_000_000;

@Controller()
export class InventoryController {
  constructor(private readonly inventory: InventoryService) {}

  @Get('products/:id/stock')
  async stock(@Param('id') rawId: string): Promise<StockLevel> {
    const id = idParam(rawId);
    const level = await this.inventory.stockOf(id);
    if (!level) throw new NotFoundException(`product ${id} does not exist`);
    return level;
  }

  @Put('admin/products/:id/stock')
  setStock(@Param('id') rawId: string, @Body() body: unknown): Promise<StockLevel> {
    const id = idParam(rawId);
    const { stock } = objectBody(body, ['stock']);
    return this.inventory.setStock(id, intField(stock, 'stock', 0, MAX_STOCK));
  }
}
