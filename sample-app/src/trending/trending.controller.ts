// Today's most viewed products.
import { Controller, Get, Query } from '@nestjs/common';
import { intQuery } from '../common/input.js';
import { TrendingService, type TrendingProduct } from './trending.service.js';

@Controller('trending')
export class TrendingController {
  constructor(private readonly trending: TrendingService) {}

  @Get()
  top(@Query('limit') limit?: string): Promise<TrendingProduct[]> {
    return this.trending.top(intQuery(limit, 'limit', 1, 50, 10));
  }
}
