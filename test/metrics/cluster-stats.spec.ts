// stats({ scope: 'cluster' }) with two app instances on one namespace: counts summed over both,
// sent to Redis in batches by each instance (on its timer, before reading, at shutdown).
import { Controller, Get, Injectable, Param } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheConfigError, Cacheable, CacheStatsInterceptor } from '../../lib/index.js';
import { uniqueNamespace } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import { createHttpCacheApp, type HttpCacheApp } from '../support/http-cache-app.js';
import { rawRedis } from '../support/raw-redis.js';
import { RedisServer } from '../support/redis-server.js';

@Injectable()
class WordsService {
  @Cacheable({ key: 'word:{0}' })
  async define(word: string) {
    return `${word}!`;
  }
}

@Controller('words')
class WordsController {
  constructor(private readonly words: WordsService) {}

  @Get(':word')
  define(@Param('word') word: string) {
    return this.words.define(word);
  }
}

const namespace = uniqueNamespace('cluster');
const metadata = {
  controllers: [WordsController],
  providers: [WordsService, { provide: APP_INTERCEPTOR, useClass: CacheStatsInterceptor }],
};
let a: HttpCacheApp;
let b: HttpCacheApp;

beforeAll(async () => {
  a = await createHttpCacheApp({
    cache: { namespace, stats: { flushInterval: '100ms' } },
    ...metadata,
  });
  b = await createHttpCacheApp({
    cache: { namespace, stats: { flushInterval: '1h' } },
    ...metadata,
  });
});
afterAll(async () => {
  await b.close();
  await a.cache.clear();
  await a.close();
});

describe("stats({ scope: 'cluster' })", () => {
  it('sums the counts of every instance, in the shape of stats()', async () => {
    await a.http().get('/words/hello').expect(200); // miss on a
    await b.http().get('/words/hello').expect(200); // hit on b
    await b.http().get('/words/world').expect(200); // miss on b
    await a.http().get('/words/world').expect(200); // hit on a
    await a.http().get('/words/world').expect(200); // hit on a

    expect(a.cache.stats()).toMatchObject({ hits: 2, misses: 1 });
    expect(b.cache.stats()).toMatchObject({ hits: 1, misses: 1 });

    // b flushes its own counts before reading; a's timer has sent (or sends) its counts.
    const cluster = await eventually(
      () => b.cache.stats({ scope: 'cluster' }),
      (stats) => stats.hits === 3,
      { what: 'cluster hits' },
    );
    // The fleet's hot keys and Redis's memory beside them: test/metrics/hot-keys.spec.ts.
    const { hotKeys: _hot, memory: _memory, ...counts } = cluster;
    expect(counts).toEqual({
      hits: 3,
      misses: 2,
      hitRatio: 0.6,
      handlers: { 'WordsController#define': { hits: 3, misses: 2, hitRatio: 0.6 } },
      methods: { 'WordsService.define': { hits: 3, misses: 2, hitRatio: 0.6 } },
    });
    // Reading again does not count anything twice.
    const { hotKeys: _again, memory: _read, ...again } = await a.cache.stats({ scope: 'cluster' });
    expect(again).toEqual(counts);
  });

  it('keeps its counts in one hash per namespace, updated in batches', async () => {
    // A Redis of its own, so that the command counts are this test's alone.
    const server = await RedisServer.start();
    const own = await createHttpCacheApp({
      cache: { url: server.url, namespace, stats: { flushInterval: false } },
      ...metadata,
    });
    const client = rawRedis(server.url);
    try {
      for (let i = 0; i < 50; i++) await own.cache.get('absent');
      expect(await own.cache.stats({ scope: 'cluster' })).toMatchObject({ hits: 0, misses: 50 });
      const calls = /cmdstat_hincrby:calls=(\d+)/.exec(await client.info('commandstats'))?.[1];
      expect(calls).toBe('1');
      expect(await client.hgetall(`${namespace}#stats:counters`)).toEqual({ misses: '50' });
    } finally {
      client.disconnect();
      await own.close();
      await server.dispose();
    }
  });

  it('sends the last counts when an instance shuts down', async () => {
    const c = await createHttpCacheApp({
      cache: { namespace, stats: { flushInterval: '1h' } }, // no timer tick during the test
      ...metadata,
    });
    await c.http().get('/words/again').expect(200);
    const before = await a.cache.stats({ scope: 'cluster' });
    await c.close();
    const after = await a.cache.stats({ scope: 'cluster' });
    expect(after.misses).toBe(before.misses + 1);
    expect(after.handlers['WordsController#define'].misses).toBe(
      before.handlers['WordsController#define'].misses + 1,
    );
  });

  it('rejects an unknown scope', () => {
    expect(() => a.cache.stats({ scope: 'fleet' } as never)).toThrow(CacheConfigError);
    expect(() => a.cache.stats({ scope: 'fleet' } as never)).toThrow(/"scope" must be/);
  });
});
