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
  /** Prefix of every Redis key the shop writes. */
  namespace: string;
  /** Run the write-behind worker in this process (false: an API-only instance that only queues). */
  writeBehindWorker: boolean;
  /** How long one Redis command may take (REDIS_COMMAND_TIMEOUT, e.g. '500ms'); the library's default when absent. */
  redisCommandTimeout?: string;
}

export const SHOP_CONFIG = Symbol('shop_config');

export const DEFAULT_SQLITE_FILE = fileURLToPath(new URL('../../data/shop.db', import.meta.url));

export function readShopConfig(env: NodeJS.ProcessEnv = process.env): ShopConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`PORT must be a port number, got ${JSON.stringify(env.PORT)}`);
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    databaseUrl: env.DATABASE_URL || undefined,
    sqliteFile: env.SQLITE_FILE ?? DEFAULT_SQLITE_FILE,
    namespace: env.CACHE_NAMESPACE ?? 'shop',
    writeBehindWorker: env.WRITE_BEHIND_WORKER !== '0',
    redisCommandTimeout: env.REDIS_COMMAND_TIMEOUT || undefined,
  };
}
