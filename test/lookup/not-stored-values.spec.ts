// A value the app computed that the cache cannot store (a circular object, a function inside,
// more than limits.valueBytes), on real Redis: getOrSet, @Cacheable, @CachePut and write-through return
// it all the same and store nothing (an outdated entry of the key is removed), logged once per key
// and counted; only an explicit set() rejects with the named error.
import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Cacheable,
  CacheEvents,
  CachePut,
  CacheSerializationError,
  CacheValueTooLargeError,
  WriteThrough,
  type CacheEventData,
} from '../../lib/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { LogCapture } from '../support/log-capture.js';
import { entryKey, rawRedis } from '../support/raw-redis.js';

const MAX_VALUE_BYTES = 4096;

interface Category {
  name: string;
  parent?: Category;
  children: Category[];
}

/** A category tree with back links: what an ORM hands out, and what JSON cannot write. */
function categoryTree(name: string): Category {
  const root: Category = { name, children: [] };
  root.children.push({ name: `${name}/child`, parent: root, children: [] });
  return root;
}

@Injectable()
class CategoriesService {
  loads = 0;

  @Cacheable({ key: 'category:{0}' })
  async find(name: string): Promise<Category> {
    this.loads++;
    return categoryTree(name);
  }

  @Cacheable({ key: 'report:{0}' })
  async report(id: string): Promise<string> {
    this.loads++;
    return 'r'.repeat(MAX_VALUE_BYTES * 2) + id;
  }

  @CachePut({ key: 'category:{0}' })
  async rename(name: string): Promise<Category> {
    return categoryTree(`${name} (renamed)`);
  }

  @WriteThrough({ key: 'saved:{0}' })
  async save(name: string): Promise<Category> {
    return categoryTree(name);
  }
}

let raw: Redis;
let app: CacheApp;
let notStored: CacheEventData<'cache:not-stored'>[];
const logs = new LogCapture();

beforeAll(async () => {
  raw = rawRedis();
  app = await createCacheApp({
    cache: { limits: { valueBytes: MAX_VALUE_BYTES } },
    providers: [CategoriesService],
  });
  logs.attach();
  notStored = [];
  app.get(CacheEvents).on('cache:not-stored', (event) => notStored.push(event));
});
afterEach(() => {
  logs.clear();
  notStored.length = 0;
  app.cache.resetStats();
});
afterAll(async () => {
  logs.restore();
  await app.cache.clear();
  await app.close();
  await raw.quit();
});

async function stored(key: string): Promise<boolean> {
  return (await raw.exists(entryKey(app.namespace, key))) === 1;
}

describe('getOrSet', () => {
  it('returns a circular value on every call, stores nothing, logs once per key, counts each', async () => {
    let runs = 0;
    const factory = () => {
      runs++;
      return categoryTree('lamps');
    };
    for (let i = 0; i < 3; i++) {
      const value = await app.cache.getOrSet('tree:lamps', factory, { tags: ['categories'] });
      expect(value.children[0].parent).toBe(value);
    }
    expect(runs).toBe(3);
    expect(await stored('tree:lamps')).toBe(false);
    expect(app.cache.stats().values?.notStored).toBe(3);
    expect(notStored).toHaveLength(3);
    expect(notStored[0]).toMatchObject({ key: 'tree:lamps', method: undefined });
    expect(notStored[0].error).toBeInstanceOf(CacheSerializationError);
    const warnings = logs.warningsAbout('"tree:lamps"');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('not cached');
  });

  it('returns a value over limits.valueBytes, stores nothing', async () => {
    const big = 'b'.repeat(MAX_VALUE_BYTES * 2);
    expect(await app.cache.getOrSet('big', () => big)).toBe(big);
    expect(await stored('big')).toBe(false);
    expect(notStored[0].error).toBeInstanceOf(CacheValueTooLargeError);
  });
});

describe('decorators and write-through', () => {
  it('@Cacheable returns the circular value instead of failing the call', async () => {
    const categories = app.get(CategoriesService);
    const loads = categories.loads;
    const first = await categories.find('desks');
    const second = await categories.find('desks');
    expect(first.children[0].parent).toBe(first);
    expect(second.name).toBe('desks');
    expect(categories.loads).toBe(loads + 2);
    expect(await stored('category:desks')).toBe(false);
    expect(app.cache.stats().values?.notStored).toBe(2);
    expect(notStored[0]).toMatchObject({
      key: 'category:desks',
      method: 'CategoriesService.find',
    });
    const warnings = logs.warningsAbout('"category:desks"');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('CategoriesService.find');
  });

  it('@Cacheable returns a value over limits.valueBytes instead of failing the call', async () => {
    const categories = app.get(CategoriesService);
    expect(await categories.report('7')).toHaveLength(MAX_VALUE_BYTES * 2 + 1);
    expect(await stored('report:7')).toBe(false);
  });

  it('@CachePut returns the value and removes the outdated entry rather than keep serving it', async () => {
    const categories = app.get(CategoriesService);
    await app.cache.set('category:chairs', { name: 'chairs', children: [] });
    const renamed = await categories.rename('chairs');
    expect(renamed.name).toBe('chairs (renamed)');
    expect(await stored('category:chairs')).toBe(false);
    expect(await app.cache.get('category:chairs')).toBeUndefined();
    expect(app.cache.stats().values?.notStored).toBe(1);
    expect(logs.warningsAbout('"category:chairs"')).toHaveLength(1);
  });

  it('write-through keeps what was persisted: the value is returned, the old entry removed', async () => {
    const categories = app.get(CategoriesService);
    await app.cache.set('saved:beds', 'outdated');
    expect((await categories.save('beds')).name).toBe('beds');
    expect(await app.cache.get('saved:beds')).toBeUndefined();

    await app.cache.set('sofas', 'outdated');
    let persisted = 0;
    const result = await app.cache.writeThrough('sofas', categoryTree('sofas'), () => ++persisted);
    expect(result).toBe(1);
    expect(await app.cache.get('sofas')).toBeUndefined();
    expect(app.cache.stats().values?.notStored).toBe(2);
  });
});

describe('set()', () => {
  it('keeps rejecting with the named error, and leaves the entry as it was', async () => {
    await app.cache.set('kept', 'old');
    const error = await app.cache.set('kept', categoryTree('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheSerializationError);
    expect(error).toMatchObject({ code: 'E_CACHE_SERIALIZE', key: 'kept' });
    await expect(app.cache.set('kept', 'k'.repeat(MAX_VALUE_BYTES * 2))).rejects.toBeInstanceOf(
      CacheValueTooLargeError,
    );
    expect(await app.cache.get('kept')).toBe('old');
    expect(app.cache.stats().values?.notStored).toBe(0);
  });
});
