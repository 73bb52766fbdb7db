// A testing module that is compiled but never initialized (compile(), then get(): the usual unit
// test) has RedisCacheModule imported, yet its decorators are not installed: the first decorated
// call says so once, naming init() as the fix rather than importing the module. This file runs in
// a process of its own, where no RedisCacheModule has been initialized before.
import { Injectable, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it, vi } from 'vitest';
import { Cacheable, RedisCacheModule } from '../../lib/index.js';
import { sharedRedisUrl, TEST_COMMAND_TIMEOUT, uniqueNamespace } from '../support/cache-app.js';

@Injectable()
class CatalogService {
  calls = 0;

  @Cacheable({ key: 'catalog' })
  list(): string[] {
    this.calls++;
    return ['tea'];
  }
}

describe('decorators of a compiled module that was never initialized', () => {
  it('run uncached and warn once, naming init() as the fix; after init() they cache', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn');
    const moduleRef = await Test.createTestingModule({
      imports: [
        RedisCacheModule.forRoot({
          url: sharedRedisUrl(),
          namespace: uniqueNamespace('no-init'),
          redisTimeouts: { command: TEST_COMMAND_TIMEOUT },
          stats: { flushInterval: false },
        }),
      ],
      providers: [CatalogService],
    }).compile();
    try {
      const catalog = moduleRef.get(CatalogService);
      for (let i = 0; i < 2; i++) expect(await catalog.list()).toEqual(['tea']);
      expect(catalog.calls).toBe(2);
      const noModule = warn.mock.calls
        .map(([message]) => String(message))
        .filter((m) => m.includes('no RedisCacheModule was initialized'));
      expect(noModule).toHaveLength(1);
      expect(noModule[0]).toContain('CatalogService.list');
      expect(noModule[0]).toContain('compiled but never initialized');
      expect(noModule[0]).toContain('await moduleRef.init()');

      await moduleRef.init();
      for (let i = 0; i < 2; i++) expect(await catalog.list()).toEqual(['tea']);
      expect(catalog.calls).toBe(3);
    } finally {
      warn.mockRestore();
      await moduleRef.close();
    }
  });
});
