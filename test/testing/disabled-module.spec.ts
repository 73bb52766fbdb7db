// disabledRedisCacheModule() from nestjs-redis-cache/testing, as a unit test uses it: no Redis
// anywhere, decorated methods run on every call, reads miss, writes are skipped, nothing is
// logged, and the app closes cleanly.
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  Cacheable,
  CacheEvict,
  RedisCacheModule,
  RedisCacheService,
  WriteBehind,
} from 'nestjs-redis-cache';
import { disabledRedisCacheModule } from 'nestjs-redis-cache/testing';
import { afterEach, expect, it } from 'vitest';
import { LogCapture } from '../support/log-capture.js';

@Injectable()
class Catalogue {
  loads = 0;
  persisted: unknown[] = [];

  @Cacheable({ key: 'product:{0}', ttl: 60, tags: ['products'] })
  async product(id: string): Promise<{ id: string; load: number }> {
    return { id, load: ++this.loads };
  }

  @CacheEvict({ key: 'product:{0}' })
  async rename(id: string): Promise<string> {
    return id;
  }

  @WriteBehind({ key: 'order:{0}' })
  async saveOrder(id: string): Promise<void> {
    this.persisted.push(id);
  }
}

const logs = new LogCapture();
afterEach(() => logs.restore());

it('runs the app without Redis: methods run every time, reads miss, writes are skipped', async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [disabledRedisCacheModule()],
    providers: [Catalogue],
  }).compile();
  logs.attach();
  await moduleRef.init();
  const cache = moduleRef.get(RedisCacheService);
  const catalogue = moduleRef.get(Catalogue);

  expect(await catalogue.product('a')).toEqual({ id: 'a', load: 1 });
  expect(await catalogue.product('a')).toEqual({ id: 'a', load: 2 });
  await catalogue.rename('a');
  await catalogue.saveOrder('o1');
  // With nowhere to queue it, a write-behind call persists at once (as when Redis is down).
  expect(catalogue.persisted).toEqual(['o1']);

  await cache.set('k', 'v');
  expect(await cache.get('k')).toBeUndefined();
  expect(await cache.getOrSet('k', () => 'computed')).toBe('computed');
  await cache.invalidateTags('products');
  expect(await cache.del('k')).toBe(0);

  // Nothing connected, nothing warned about.
  expect(cache.client.status).toBe('wait');
  expect(logs.of('warn')).toEqual([]);
  expect(logs.of('error')).toEqual([]);
  await moduleRef.close();
});

it('provides what forRoot() provides, so the app module needs no other change', async () => {
  const enabled = RedisCacheModule.forRoot();
  const disabled = disabledRedisCacheModule();
  expect(disabled.module).toBe(enabled.module);
  expect(disabled.global).toBe(enabled.global);
  expect(disabled.exports).toEqual(enabled.exports);
});
