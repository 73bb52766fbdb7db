// Starts the sample shop: `npm start`, then open http://localhost:3000/products/1.
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const app = await NestFactory.create(AppModule);
app.enableShutdownHooks();
const port = Number(process.env.PORT ?? 3000);
await app.listen(port, process.env.HOST ?? '127.0.0.1');
new Logger('Shop').log(`Sample shop listening on http://localhost:${port} (try /products/1)`);
