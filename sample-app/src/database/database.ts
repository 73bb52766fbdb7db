// Opens the shop database: SQLite (better-sqlite3) in a file by default, PostgreSQL when a
// DATABASE_URL is given, both through Kysely, PostgreSQL through a bounded pool as in production.
// Creates the tables and seeds a catalogue on first start (again when it was seeded by an older
// version of the shop); the returned instance counts and times every query the app sends
// afterwards, and adds DB_LATENCY_MS to each when asked to (a database across the network).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Logger } from '@nestjs/common';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import { CATALOGUE_VERSION } from './catalogue-facts.js';
import { AddedLatency } from './added-latency.js';
import type { QueryCounter } from './query-counter.js';
import type { ShopDatabase } from './schema.js';
import { sqliteBulkInsert, postgresBulkInsert } from './bulk-insert.js';
import { seedCatalogue, type BulkInsert } from './seed.js';
import { createIndexes, createTables, dropTables, type Dialect } from './tables.js';

export const SHOP_DATABASE = Symbol('shop_database');

export interface DatabaseTarget {
  databaseUrl?: string;
  sqliteFile: string;
  /** Most PostgreSQL connections (DB_POOL_MAX); a request waits for a free one beyond that. */
  dbPoolMax?: number;
  /** Milliseconds added to every query (DB_LATENCY_MS), holding its connection meanwhile. */
  dbLatencyMs?: number;
}

export const DEFAULT_POOL_MAX = 10;

export async function openDatabase(
  target: DatabaseTarget,
  counter?: QueryCounter,
): Promise<Kysely<ShopDatabase>> {
  const sqlite = target.databaseUrl ? undefined : openSqlite(target.sqliteFile);
  const db = new Kysely<ShopDatabase>({
    dialect: sqlite
      ? new SqliteDialect({ database: sqlite })
      : new PostgresDialect({ pool: postgresPool(target.databaseUrl, target.dbPoolMax) }),
  });
  try {
    await prepareCatalogue(
      db,
      dialectOf(target),
      sqlite ? sqliteBulkInsert(sqlite) : postgresBulkInsert(db),
    );
  } catch (error) {
    await db.destroy();
    throw error;
  }
  // Setup and seeding are not the app's traffic: only queries from here on are delayed and counted
  // (the counter last, so that the time it measures includes the added latency).
  let app = db;
  if (target.dbLatencyMs) app = app.withPlugin(new AddedLatency(target.dbLatencyMs));
  return counter ? app.withPlugin(counter) : app;
}

/**
 * The bounded pool. An idle connection the server ends (a restart, an operator terminating
 * backends) makes the pool emit 'error': without a listener that is an uncaught exception that
 * stops the shop, while the pool already drops that connection and opens another when needed.
 */
function postgresPool(connectionString: string | undefined, max = DEFAULT_POOL_MAX): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  pool.on('error', (error) =>
    new Logger('Database').warn(`an idle PostgreSQL connection ended: ${error.message}`),
  );
  return pool;
}

export function dialectOf(target: DatabaseTarget): Dialect {
  return target.databaseUrl ? 'postgres' : 'sqlite';
}

async function prepareCatalogue(
  db: Kysely<ShopDatabase>,
  dialect: Dialect,
  insert: BulkInsert,
): Promise<void> {
  await db.schema
    .createTable('shop_meta')
    .ifNotExists()
    .addColumn('key', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('value', 'varchar(200)', (col) => col.notNull())
    .execute();
  const seeded = await db
    .selectFrom('shop_meta')
    .select('value')
    .where('key', '=', 'catalogue_version')
    .executeTakeFirst();
  if (seeded?.value === String(CATALOGUE_VERSION)) {
    await createTables(db);
    return createIndexes(db, dialect);
  }
  const logger = new Logger('Shop');
  const started = Date.now();
  if (seeded) logger.log(`Catalogue seeded by an older shop (v${seeded.value}): seeding it again`);
  await dropTables(db);
  await createTables(db);
  await seedCatalogue(insert);
  await createIndexes(db, dialect);
  // Fresh statistics, so that the planner knows the popular products have thousands of rows.
  await sql`ANALYZE`.execute(db);
  await db.deleteFrom('shop_meta').where('key', '=', 'catalogue_version').execute();
  await db
    .insertInto('shop_meta')
    .values({ key: 'catalogue_version', value: String(CATALOGUE_VERSION) })
    .execute();
  logger.log(`Catalogue seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function openSqlite(file: string): SQLite.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // Another process (a second instance, a test) may hold the write lock for a moment.
  sqlite.pragma('busy_timeout = 2000');
  return sqlite;
}
