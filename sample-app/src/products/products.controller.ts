// Catalogue routes: product details, its HTML card and recommendations, listings by category and
// brand, and the admin price update. Inputs are validated before any cache key is built.
import {
  Body,
  Controller,
  Get,
  Header,
  NotFoundException,
  Param,
  Put,
  Query,
} from '@nestjs/common';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { idParam, intField, intQuery, objectBody } from '../common/input.js';
import { TrendingService } from '../trending/trending.service.js';
import type { Product, ProductSummary } from './product.js';
import { ProductCardService } from './product-card.service.js';
import { ProductsService } from './products.service.js';
import { RecommendationsService, type Recommendation } from './recommendations.service.js';

const MAX_PAGE = 500;
const MAX_PRICE_CENTS = 100_000_000;

@Controller()
export class ProductsController {
  constructor(
    private readonly products: ProductsService,
    private readonly cards: ProductCardService,
    private readonly recommendations: RecommendationsService,
    private readonly catalogue: CatalogueService,
    private readonly trending: TrendingService,
  ) {}

  @Get('products/:id')
  async findOne(@Param('id') rawId: string): Promise<Product> {
    const product = await this.existing(idParam(rawId));
    this.trending.recordView(product.id);
    return product;
  }

  @Get('products/:id/card')
  @Header('Content-Type', 'text/html; charset=utf-8')
  async card(@Param('id') rawId: string): Promise<string> {
    const id = idParam(rawId);
    const html = await this.cards.render(id);
    if (html === null) throw new NotFoundException(`product ${id} does not exist`);
    return html;
  }

  @Get('products/:id/recommendations')
  async recommend(@Param('id') rawId: string): Promise<Recommendation[]> {
    // Known products only: recommendations are cached per product id.
    const product = await this.existing(idParam(rawId));
    return this.recommendations.forProduct(product.id);
  }

  @Get('categories')
  categories(): { categories: string[]; brands: string[] } {
    return { categories: this.catalogue.categories, brands: this.catalogue.brands };
  }

  @Get('categories/:category/products')
  listCategory(
    @Param('category') category: string,
    @Query('page') page?: string,
  ): Promise<ProductSummary[]> {
    const pageNumber = intQuery(page, 'page', 1, MAX_PAGE, 1);
    return this.products.listCategory(this.catalogue.category(category), pageNumber);
  }

  @Get('brands/:brand/products')
  listBrand(
    @Param('brand') brand: string,
    @Query('page') page?: string,
  ): Promise<ProductSummary[]> {
    const pageNumber = intQuery(page, 'page', 1, MAX_PAGE, 1);
    return this.products.listBrand(this.catalogue.brand(brand), pageNumber);
  }

  @Put('admin/products/:id/price')
  async updatePrice(@Param('id') rawId: string, @Body() body: unknown): Promise<Product> {
    const id = idParam(rawId);
    const { priceCents } = objectBody(body, ['priceCents']);
    const price = intField(priceCents, 'priceCents', 0, MAX_PRICE_CENTS);
    const product = await this.products.updatePrice(id, price);
    if (!product) throw new NotFoundException(`product ${id} does not exist`);
    return product;
  }

  private async existing(id: number): Promise<Product> {
    const product = await this.products.findOne(id);
    if (!product) throw new NotFoundException(`product ${id} does not exist`);
    return product;
  }
}
