// Starts the sample shop: `npm start`, then open http://localhost:3000/dashboard.
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { readShopConfig } from './config/shop-config.js';
import { cachingOn } from './config/caching-switch.js';
import { createShopApp } from './shop-app.js';

const config = readShopConfig();
const app = await createShopApp(config);
await app.listen(config.port, config.host);
const address = app.getHttpServer().address() as { port: number };
const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${address.port}`;
new Logger('Shop').log(
  `Sample shop on ${base}: dashboard ${base}/dashboard, try ${base}/products/1` +
    ` (${config.databaseUrl ? 'PostgreSQL' : `SQLite ${config.sqliteFile}`}` +
    `${cachingOn() ? '' : ', cache disabled by CACHE_DISABLED=1'})`,
);
