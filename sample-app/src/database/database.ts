// Opens the shop database: SQLite (better-sqlite3) in a file by default, PostgreSQL when a
// DATABASE_URL is given, both through Kysely. Creates the tables and seeds a catalogue on first
// start; the returned instance counts every query the app sends afterwards.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { QueryCounter } from './query-counter.js';
import type { ShopDatabase } from './schema.js';
import { seedCatalogue } from './seed.js';

export const SHOP_DATABASE = Symbol('shop_database');

export interface DatabaseTarget {
  databaseUrl?: string;
  sqliteFile: string;
}

export async function openDatabase(
  target: DatabaseTarget,
  counter?: QueryCounter,
): Promise<Kysely<ShopDatabase>> {
  const db = new Kysely<ShopDatabase>({
    dialect: target.databaseUrl
      ? new PostgresDialect({
          pool: new pg.Pool({ connectionString: target.databaseUrl, max: 10 }),
        })
      : new SqliteDialect({ database: openSqlite(target.sqliteFile) }),
  });
  await createTables(db);
  await seedCatalogue(db);
  // Setup and seeding are not the app's traffic: only queries from here on are counted.
  return counter ? db.withPlugin(counter) : db;
}

export function dialectOf(target: DatabaseTarget): 'postgres' | 'sqlite' {
  return target.databaseUrl ? 'postgres' : 'sqlite';
}

function openSqlite(file: string): SQLite.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // Another process (a second instance, a test) may hold the write lock for a moment.
  sqlite.pragma('busy_timeout = 2000');
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
  await db.schema
    .createIndex('orders_product')
    .ifNotExists()
    .on('orders')
    .column('product_id')
    .execute();
}
