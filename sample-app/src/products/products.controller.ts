// Catalogue routes: the product page, its HTML card and recommendations, the catalogue listing and
// search, listings by category and brand, the brand directory, and the admin price update. Inputs
// are validated before any cache key is built.
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import { CatalogueService, type Brand } from '../catalogue/catalogue.service.js';
import { idParam, intField, intQuery, objectBody } from '../common/input.js';
import { TrendingService } from '../trending/trending.service.js';
import { ShopCacheResponse } from '../common/response-cache.js';
import {
  DEFAULT_LIMIT,
  listingKey,
  listingTags,
  MAX_LIMIT,
  MAX_PAGE,
  searchWords,
  sortParam,
  type Listing,
  type ListingRequest,
} from './listing.js';
import type { Product, ProductPage, ProductSummary } from './product.js';
import { ProductCardService } from './product-card.service.js';
import { ProductsService } from './products.service.js';
import { RecommendationsService, type Recommendation } from './recommendations.service.js';

const MAX_PRICE_CENTS = 100_000_000;

interface HeaderWritable {
  setHeader(name: string, value: string): unknown;
}

@Controller()
export class ProductsController {
  constructor(
    private readonly products: ProductsService,
    private readonly cards: ProductCardService,
    private readonly recommendations: RecommendationsService,
    private readonly catalogue: CatalogueService,
    private readonly trending: TrendingService,
  ) {}

  /**
   * The catalogue listing and search: `?category=&brand=&q=&sort=&page=&limit=`. The whole
   * response is cached (its bytes, ETag, 304s), tagged by category and brand, or `catalogue` when
   * it spans the catalogue; the admin price update evicts those tags.
   */
  @Get('products')
  @ShopCacheResponse({
    ttl: '5m',
    key: (request: ListingRequest) => listingKey(request),
    tags: (request: ListingRequest) => listingTags(request),
  })
  list(
    @Query('category') category?: string,
    @Query('brand') brand?: string,
    @Query('q') q?: string,
    @Query('sort') sort?: string,
    @Query('page') page?: string,
    @Query('limit') limit?: string,
  ): Promise<Listing> {
    return this.products.list({
      category: category === undefined ? undefined : this.catalogue.category(category),
      brand: brand === undefined ? undefined : this.catalogue.brand(brand),
      q: searchWords(q),
      sort: sortParam(sort),
      page: intQuery(page, 'page', 1, MAX_PAGE, 1),
      limit: intQuery(limit, 'limit', 1, MAX_LIMIT, DEFAULT_LIMIT),
    });
  }

  @Get('products/:id')
  async findOne(@Param('id') rawId: string): Promise<ProductPage> {
    const product = await this.existing(idParam(rawId));
    this.trending.recordView(product.id);
    return product;
  }

  @Get('products/:id/card')
  async card(
    @Param('id') rawId: string,
    @Res({ passthrough: true }) response: HeaderWritable,
  ): Promise<string> {
    const id = idParam(rawId);
    const html = await this.cards.render(id);
    if (html === null) throw new NotFoundException(`product ${id} does not exist`);
    // Set here, on success only: a 400/404 stays a JSON error with a JSON content type (a
    // route-level @Header made Nest warn once per failed request: a log flood under a scan).
    response.setHeader('Content-Type', 'text/html; charset=utf-8');
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

  @Get('brands')
  @ShopCacheResponse({ ttl: '1h', tags: ['brands'] })
  brands(): Promise<Brand[]> {
    return this.catalogue.brandDirectory();
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

  /** Body `{ "price_cents": 1299 }`, the field name the product responses use (`priceCents` is still accepted). */
  @Put('admin/products/:id/price')
  async updatePrice(@Param('id') rawId: string, @Body() body: unknown): Promise<Product> {
    const id = idParam(rawId);
    const fields = objectBody(body, ['price_cents', 'priceCents']);
    if (fields.price_cents !== undefined && fields.priceCents !== undefined)
      throw new BadRequestException('send price_cents or priceCents, not both');
    const price =
      fields.priceCents !== undefined
        ? intField(fields.priceCents, 'priceCents', 0, MAX_PRICE_CENTS)
        : intField(fields.price_cents, 'price_cents', 0, MAX_PRICE_CENTS);
    const product = await this.products.updatePrice(id, price);
    if (!product) throw new NotFoundException(`product ${id} does not exist`);
    return product;
  }

  private async existing(id: number): Promise<ProductPage> {
    const product = await this.products.findOne(id);
    if (!product) throw new NotFoundException(`product ${id} does not exist`);
    return product;
  }
}
