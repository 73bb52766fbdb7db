// Opens the shop database: SQLite in sample-app/data/ by default (better-sqlite3), PostgreSQL when
// DATABASE_URL is set. Creates the tables and seeds a catalogue on first start.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { ShopDatabase } from './schema.js';
import { seedCatalogue } from './seed.js';

export const SHOP_DATABASE = Symbol('shop_database');

export async function openDatabase(
  databaseUrl = process.env.DATABASE_URL,
): Promise<Kysely<ShopDatabase>> {
  const db = new Kysely<ShopDatabase>({
    dialect: databaseUrl
      ? new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 10 }) })
      : new SqliteDialect({ database: openSqlite() }),
  });
  await createTables(db);
  await seedCatalogue(db);
  return db;
}

function openSqlite(): SQLite.Database {
  const file =
    process.env.SQLITE_FILE ?? fileURLToPath(new URL('../../data/shop.db', import.meta.url));
  if (file !== ':memory:')
    mkdirSync(fileURLToPath(new URL('../../data/', import.meta.url)), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  return sqlite;
}

async function createTables(db: Kysely<ShopDatabase>): Promise<void> {
  await db.schema
    .createTable('products')
    .ifNotExists()
    .addColumn('id', 'integer', (col) => col.primaryKey().notNull())
    .addColumn('sku', 'varchar(32)', (col) => col.notNull().unique())
    .addColumn('name', 'varchar(200)', (col) => col.notNull())
    .addColumn('category', 'varchar(64)', (col) => col.notNull())
    .addColumn('brand', 'varchar(64)', (col) => col.notNull())
    .addColumn('price_cents', 'integer', (col) => col.notNull())
    .addColumn('stock', 'integer', (col) => col.notNull())
    .addColumn('description', 'text', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('products_category')
    .ifNotExists()
    .on('products')
    .column('category')
    .execute();
  await db.schema
    .createIndex('products_brand')
    .ifNotExists()
    .on('products')
    .column('brand')
    .execute();
  await db.schema
    .createTable('orders')
    .ifNotExists()
    .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('product_id', 'integer', (col) => col.notNull())
    .addColumn('quantity', 'integer', (col) => col.notNull())
    .addColumn('total_cents', 'integer', (col) => col.notNull())
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .execute();
}
