// Caching decorators in an app that never imported RedisCacheModule run uncached, and say so once
// (the first decorated call), rather than silently. This file runs in a process of its own where
// no RedisCacheModule has been initialized.
import { Injectable, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describe, expect, it, vi } from 'vitest';
import { Cacheable, CacheEvict } from '../../lib/index.js';

@Injectable()
class CatalogService {
  calls = 0;

  @Cacheable({ key: 'catalog' })
  list(): string[] {
    this.calls++;
    return ['tea'];
  }

  @CacheEvict({ key: 'catalog' })
  reindex(): void {}
}

@Module({ providers: [CatalogService] })
class AppWithoutCacheModule {}

describe('decorators without RedisCacheModule', () => {
  it('run the method uncached and warn once, naming the method and the fix', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn');
    const app = await NestFactory.createApplicationContext(AppWithoutCacheModule, {
      logger: false,
    });
    try {
      const catalog = app.get(CatalogService);
      for (let i = 0; i < 3; i++) expect(await catalog.list()).toEqual(['tea']);
      await catalog.reindex();
      expect(catalog.calls).toBe(3);
      const messages = warn.mock.calls.map(([message]) => String(message));
      const noModule = messages.filter((m) => m.includes('no RedisCacheModule was initialized'));
      expect(noModule).toHaveLength(1);
      expect(noModule[0]).toContain('CatalogService.list');
      expect(noModule[0]).toContain('RedisCacheModule.forRoot()');
    } finally {
      warn.mockRestore();
      await app.close();
    }
  });
});
