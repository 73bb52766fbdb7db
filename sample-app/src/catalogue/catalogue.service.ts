// The categories and brands the shop sells, loaded once at startup. Routes accept only these, so
// a cache key is never built from a name nobody sells (a scan of random names cannot fill Redis).
import { Inject, Injectable, NotFoundException, type OnModuleInit } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { SHOP_DATABASE } from '../database/database.js';
import type { ShopDatabase } from '../database/schema.js';

export interface Brand {
  name: string;
  country: string;
  founded: number;
  /** Products of the brand in the catalogue. */
  products: number;
}

@Injectable()
export class CatalogueService implements OnModuleInit {
  private categorySet = new Set<string>();
  private brandSet = new Set<string>();

  constructor(@Inject(SHOP_DATABASE) private readonly db: Kysely<ShopDatabase>) {}

  async onModuleInit(): Promise<void> {
    const [categories, brands] = await Promise.all([
      this.db.selectFrom('products').select('category').distinct().orderBy('category').execute(),
      this.db.selectFrom('products').select('brand').distinct().orderBy('brand').execute(),
    ]);
    this.categorySet = new Set(categories.map((row) => row.category));
    this.brandSet = new Set(brands.map((row) => row.brand));
  }

  /** Every brand with its details and number of products, by name (cached whole by its route). */
  async brandDirectory(): Promise<Brand[]> {
    const rows = await this.db
      .selectFrom('brands as b')
      .leftJoin('products as p', 'p.brand', 'b.name')
      .select((eb) => [
        'b.name',
        'b.country',
        'b.founded',
        eb.fn.count<number | string>('p.id').as('products'),
      ])
      .groupBy(['b.name', 'b.country', 'b.founded'])
      .orderBy('b.name')
      .execute();
    return rows.map((row) => ({ ...row, products: Number(row.products) }));
  }

  get categories(): string[] {
    return [...this.categorySet];
  }

  get brands(): string[] {
    return [...this.brandSet];
  }

  /** The category, or a 404 naming the known ones. */
  category(name: string): string {
    if (!this.categorySet.has(name))
      throw new NotFoundException(
        `unknown category ${JSON.stringify(name.slice(0, 64))} (known: ${this.categories.join(', ')})`,
      );
    return name;
  }

  brand(name: string): string {
    if (!this.brandSet.has(name))
      throw new NotFoundException(
        `unknown brand ${JSON.stringify(name.slice(0, 64))} (known: ${this.brands.join(', ')})`,
      );
    return name;
  }
}
