// Runs the sample shop for its e2e tests: in this process (supertest against the Nest app,
// listening on a free port) or as a real `npm start` child process (restart and outage tests),
// always on the suite's Redis with a namespace of its own, on SQLite in a temporary file or on a
// PostgreSQL database of its own.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { LoggerService, LogLevel } from '@nestjs/common';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import request from 'supertest';
import { RedisCacheService } from '../../../lib/index.js';
import type { ShopConfig } from '../../../sample-app/src/config/shop-config.js';
import type { LiveStats } from '../../../sample-app/src/observability/live-stats.service.js';
import { createShopApp } from '../../../sample-app/src/shop-app.js';
import { sharedRedisUrl, TEST_COMMAND_TIMEOUT, uniqueNamespace } from '../../support/cache-app.js';
import { NodeChild } from '../../support/child-process.js';
import { eventually } from '../../support/eventually.js';
import { freePort } from '../../support/redis-server.js';

/** A directory for one test file's database files, removed by `dispose()`. */
export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'shop-test-'));

  file(name: string): string {
    return join(this.path, name);
  }

  dispose(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

export interface InProcessShop {
  app: INestApplication;
  config: ShopConfig;
  cache: RedisCacheService;
  http(): ReturnType<typeof request>;
  /** What the dashboard polls: cache counters, database queries, write-behind queue. */
  live(): Promise<LiveStats>;
  /** Queries sent to the database so far. */
  queries(): Promise<number>;
  close(): Promise<void>;
}

export async function startShop(
  sqliteFile: string,
  overrides: Partial<ShopConfig> = {},
  logger: LoggerService | LogLevel[] | false = false,
): Promise<InProcessShop> {
  const config: ShopConfig = {
    port: 0,
    host: '127.0.0.1',
    redisUrl: sharedRedisUrl(),
    sqliteFile,
    namespace: uniqueNamespace('shop'),
    writeBehindWorker: true,
    redisCommandTimeout: TEST_COMMAND_TIMEOUT,
    ...overrides,
  };
  const app = await createShopApp(config, logger);
  // Listening on one port: supertest would otherwise start the server on a new port for each
  // request, and the Host header (part of a cached response's key) would change every time.
  await app.listen(config.port, config.host);
  const http = () => request(app.getHttpServer());
  const live = async () => (await http().get('/dashboard/data').expect(200)).body as LiveStats;
  return {
    app,
    config,
    cache: app.get(RedisCacheService),
    http,
    live,
    queries: async () => (await live()).database.queries,
    close: () => app.close(),
  };
}

/**
 * The PostgreSQL server the tests use: PG_TEST_URL, else the machine's on 127.0.0.1:5432 (shared:
 * each test file works in a database of its own, dropped afterwards).
 */
const PG_ADMIN_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A new, empty PostgreSQL database with a unique name; `drop()` removes it. */
export class TempPgDatabase {
  readonly name = `shop_test_${randomBytes(5).toString('hex')}`;
  readonly url: string;

  private constructor() {
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${this.name}`;
    this.url = url.toString();
  }

  static async create(): Promise<TempPgDatabase> {
    const database = new TempPgDatabase();
    await adminQuery(`CREATE DATABASE ${database.name}`);
    return database;
  }

  /** Runs a query in this database, as an operator would check it. */
  async query<T extends object>(text: string, values: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  drop(): Promise<void> {
    return adminQuery(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
  }
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A read-only look at the shop's SQLite file, as an operator would check it. */
export function readDatabase<T>(sqliteFile: string, read: (db: SQLite.Database) => T): T {
  const db = new SQLite(sqliteFile, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** The shop started exactly as `npm start` starts it, in a child process. */
export class ShopProcess {
  private output = '';

  private constructor(
    readonly child: NodeChild,
    readonly baseUrl: string,
  ) {
    child.process.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static async start(env: Record<string, string>): Promise<ShopProcess> {
    const port = await freePort();
    const child = NodeChild.start('sample-app/src/main.ts', {
      ...env,
      REDIS_COMMAND_TIMEOUT: TEST_COMMAND_TIMEOUT,
      PORT: String(port),
      HOST: '127.0.0.1',
      NO_COLOR: '1',
    });
    const shop = new ShopProcess(child, `http://127.0.0.1:${port}`);
    await eventually(
      () => shop.ready(),
      (ready) => ready,
      { timeoutMs: 60_000, intervalMs: 100, what: `the shop on port ${port} to answer` },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nstdout:\n${shop.output}\nstderr:\n${child.errorOutput}`);
    });
    return shop;
  }

  http(): ReturnType<typeof request> {
    return request(this.baseUrl);
  }

  /** Everything the process logged (stdout and stderr). */
  get logs(): string {
    return this.output + this.child.errorOutput;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    return this.child.kill(signal);
  }

  private async ready(): Promise<boolean> {
    if (this.child.process.exitCode !== null)
      throw new Error(`the shop exited with code ${this.child.process.exitCode}`);
    try {
      return (await fetch(`${this.baseUrl}/dashboard/data`)).ok;
    } catch {
      return false; // not listening yet
    }
  }
}
