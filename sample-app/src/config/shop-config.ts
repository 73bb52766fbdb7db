// The shop's settings, read once from the environment at startup (main.ts) or given by a test.
import { fileURLToPath } from 'node:url';

export interface ShopConfig {
  port: number;
  host: string;
  /** Redis for the cache, carts and trending products. */
  redisUrl: string;
  /** PostgreSQL (`postgres://...`); when absent the shop runs on SQLite in `sqliteFile`. */
  databaseUrl?: string;
  sqliteFile: string;
  /** Most PostgreSQL connections (DB_POOL_MAX, default 10). */
  dbPoolMax?: number;
  /** Milliseconds added to every query (DB_LATENCY_MS, default 0): a database across the network. */
  dbLatencyMs?: number;
  /** Prefix of every cache key (the library's namespace: `clear()` empties it). */
  namespace: string;
  /**
   * Prefix of the shop's own data in Redis (carts, trending views, order claims), outside the cache
   * namespace so that clearing the cache keeps them. Default `<namespace>-data`.
   */
  dataPrefix?: string;
  /** Run the write-behind worker in this process (false: an API-only instance that only queues). */
  writeBehindWorker: boolean;
  /** The recorded `npm run load` the dashboard shows; default sample-app/data/last-load.json. */
  lastLoadFile?: string;
  /** How long one Redis command may take (REDIS_COMMAND_TIMEOUT, e.g. '500ms'); the library's default when absent. */
  redisCommandTimeout?: string;
}

export const SHOP_CONFIG = Symbol('shop_config');

const DEFAULT_SQLITE_FILE = fileURLToPath(new URL('../../data/shop.db', import.meta.url));

/** Where `npm run load` records its last comparison, which the dashboard shows. */
export const LAST_LOAD_FILE = fileURLToPath(new URL('../../data/last-load.json', import.meta.url));

export function readShopConfig(env: NodeJS.ProcessEnv = process.env): ShopConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`PORT must be a port number, got ${JSON.stringify(env.PORT)}`);
  const namespace = env.CACHE_NAMESPACE ?? 'shop';
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    databaseUrl: env.DATABASE_URL || undefined,
    sqliteFile: env.SQLITE_FILE ?? DEFAULT_SQLITE_FILE,
    dbPoolMax: whole(env, 'DB_POOL_MAX', 1, 1000),
    dbLatencyMs: whole(env, 'DB_LATENCY_MS', 0, 10_000),
    namespace,
    dataPrefix: env.SHOP_DATA_PREFIX || undefined,
    writeBehindWorker: env.WRITE_BEHIND_WORKER !== '0',
    redisCommandTimeout: env.REDIS_COMMAND_TIMEOUT || undefined,
  };
}

/** Where the shop keeps its own data in Redis (see `ShopConfig.dataPrefix`). */
export function dataPrefixOf(config: ShopConfig): string {
  return config.dataPrefix ?? `${config.namespace}-data`;
}

function whole(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new Error(
      `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`,
    );
  return value;
}
