// Names that are no options (aliases, names other caches use, options that live in a group) fail
// where they are given, naming the name and what to write instead: at bootstrap for the module
// and the decorators, on the call for getOrSet.
import { Injectable } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cacheable, CacheConfigError, type RedisCacheModuleOptions } from '../../lib/index.js';
import { CacheDecoratorError } from '../../lib/errors/errors.js';
import { resolveOptions } from '../../lib/engine/resolve-options.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';

async function bootstrapError(cache: Record<string, unknown>): Promise<unknown> {
  return createCacheApp({ cache: cache as RedisCacheModuleOptions }).then(
    async (app) => {
      await app.close();
      return undefined;
    },
    (error: unknown) => error,
  );
}

describe('a module option that is no option fails bootstrap, saying what to use', () => {
  it.each<[string, unknown, string]>([
    ['staleTtl', '30s', 'use grace'],
    ['maxKeyLength', 100, 'limits: { keyLength }'],
    ['maxTagsPerEntry', 8, 'limits: { tagsPerEntry }'],
    ['maxValueBytes', 1024, 'limits: { valueBytes }'],
    ['statsHeader', 'X-Api-Cache', 'stats: { header }'],
    ['statsFlushInterval', false, 'stats: { flushInterval }'],
    ['prometheus', true, 'stats: { prometheus }'],
    ['commandTimeout', '1s', 'redisTimeouts: { command }'],
    ['connectTimeout', '1s', 'redisTimeouts: { connect }'],
    ['retryAfter', '1s', 'redisTimeouts: { retryAfter }'],
    ['enableAutoPipelining', true, 'redis: { enableAutoPipelining: true }'],
    ['coalesceReads', false, 'always sent together'],
    ['coalesceWrites', false, 'remove it'],
    ['clock', { now: () => 0 }, 'overrideProvider(CACHE_CLOCK)'],
  ])('%s', async (name, value, advice) => {
    const error = await bootstrapError({ [name]: value });
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error).toMatchObject({ option: name });
    expect((error as Error).message).toContain(`option "${name}" is not an option: `);
    expect((error as Error).message).toContain(advice);
  });
});

describe('the module options', () => {
  it('are at most 20 at the top level, isGlobal included, as a misspelt name lists them', () => {
    const error = (() => {
      try {
        resolveOptions({ nameSpace: 'x' } as never);
      } catch (e) {
        return e as Error;
      }
    })();
    const known = /\(known: ([^)]*)\)/.exec(error?.message ?? '')?.[1].split(', ');
    expect(known).toEqual([
      'url',
      'redis',
      'cluster',
      'client',
      'namespace',
      'ttl',
      'serializer',
      'compression',
      'limits',
      'redisTimeouts',
      'lock',
      'grace',
      'graceBackoff',
      'timeout',
      'hardTimeout',
      'earlyRecompute',
      'l1',
      'writeBehind',
      'stats',
      'isGlobal',
    ]);
  });
});

describe('staleTtl per call', () => {
  let app: CacheApp;
  beforeAll(async () => (app = await createCacheApp()));
  afterAll(() => app.close());

  it('getOrSet refuses it, saying to use grace, and stores nothing', async () => {
    const error = await app.cache
      .getOrSet('k', () => 'v', { staleTtl: '10s' } as never)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error).toMatchObject({ option: 'getOrSet().staleTtl' });
    expect((error as Error).message).toContain('use grace');
    expect(await app.cache.has('k')).toBe(false);
  });

  it('@Cacheable refuses it at bootstrap, naming the method', async () => {
    @Injectable()
    class PricesService {
      @Cacheable({ staleTtl: '10s' } as never)
      async price(id: string) {
        return id;
      }
    }
    const error = await createCacheApp({ providers: [PricesService] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheDecoratorError);
    expect((error as Error).message).toContain('PricesService.price');
    expect((error as Error).message).toContain('"staleTtl" is not an option: use grace');
  });
});
