// Builds the shop's Nest application from a config: used by main.ts and by the e2e tests.
import { NestFactory } from '@nestjs/core';
import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { AppModule } from './app.module.js';
import type { ShopConfig } from './config/shop-config.js';

export async function createShopApp(
  config: ShopConfig,
  logger?: LoggerService | LogLevel[] | false,
): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), {
    logger: logger ?? ['log', 'warn', 'error'],
  });
  app.enableShutdownHooks();
  return app;
}
