// Provides the Kysely database to the shop's services and closes it on shutdown.
import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { openDatabase, SHOP_DATABASE } from './database.js';
import type { ShopDatabase } from './schema.js';

@Global()
@Module({
  providers: [{ provide: SHOP_DATABASE, useFactory: () => openDatabase() }],
  exports: [SHOP_DATABASE],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(SHOP_DATABASE) private readonly db: Kysely<ShopDatabase>) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}
