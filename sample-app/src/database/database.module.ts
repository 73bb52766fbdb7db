// Provides the Kysely database (and its query counter) to the shop and closes it on shutdown.
import {
  Global,
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Kysely } from 'kysely';
import { openDatabase, SHOP_DATABASE, type DatabaseTarget } from './database.js';
import { QueryCounter } from './query-counter.js';
import type { ShopDatabase } from './schema.js';

@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(SHOP_DATABASE) private readonly db: Kysely<ShopDatabase>) {}

  static forRoot(target: DatabaseTarget): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: QueryCounter, useFactory: () => new QueryCounter() },
        {
          provide: SHOP_DATABASE,
          inject: [QueryCounter],
          useFactory: (counter: QueryCounter) => openDatabase(target, counter),
        },
      ],
      exports: [SHOP_DATABASE, QueryCounter],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}
