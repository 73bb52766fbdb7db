// Bulk inserts for the seed: hundreds of thousands of rows in seconds. SQLite: one prepared
// statement run per row inside a transaction (better-sqlite3 runs it in-process). PostgreSQL: one
// INSERT ... SELECT FROM unnest(arrays) per 50,000 rows, a handful of round trips per table.
import type SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { ShopDatabase } from './schema.js';
import type { BulkInsert } from './seed.js';

const PG_ROWS_PER_INSERT = 50_000;

export function sqliteBulkInsert(sqlite: SQLite.Database): BulkInsert {
  return async (table, rows) => {
    if (rows.length === 0) return;
    const columns = Object.keys(rows[0]);
    const statement = sqlite.prepare(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    );
    sqlite.transaction(() => {
      for (const row of rows)
        statement.run(...columns.map((column) => (row as Record<string, unknown>)[column]));
    })();
  };
}

export function postgresBulkInsert(db: Kysely<ShopDatabase>): BulkInsert {
  return async (table, rows) => {
    if (rows.length === 0) return;
    const columns = Object.keys(rows[0]);
    for (let start = 0; start < rows.length; start += PG_ROWS_PER_INSERT) {
      const chunk = rows.slice(start, start + PG_ROWS_PER_INSERT) as Record<string, unknown>[];
      const arrays = columns.map((column) => {
        const values = chunk.map((row) => row[column]);
        return sql`${values}::${sql.raw(arrayType(values))}`;
      });
      await sql`INSERT INTO ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))})
        SELECT * FROM unnest(${sql.join(arrays)})`.execute(db);
    }
  };
}

function arrayType(values: unknown[]): string {
  if (values.every((value) => typeof value === 'number'))
    return values.every((value) => Number.isInteger(value)) ? 'int[]' : 'float8[]';
  return 'text[]';
}
