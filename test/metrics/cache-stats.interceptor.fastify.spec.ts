// CacheStatsInterceptor on Fastify: the tally sets X-Cache on the reply as lookups happen (no
// operator on the handler's Observable), PARTIAL after a hit and a miss, none without a lookup.
import { Controller, Get, Injectable, Param } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  Cacheable,
  CacheStatsInterceptor,
  RedisCacheModule,
  RedisCacheService,
} from '../../lib/index.js';
import { sharedRedisUrl, TEST_COMMAND_TIMEOUT, uniqueNamespace } from '../support/cache-app.js';

@Injectable()
class WordsService {
  @Cacheable({ key: 'word:{0}' })
  async define(word: string): Promise<string> {
    return `${word}!`;
  }
}

@Controller('words')
class WordsController {
  constructor(private readonly words: WordsService) {}

  @Get('pair/:a/:b')
  async pair(@Param('a') a: string, @Param('b') b: string) {
    return [await this.words.define(a), await this.words.define(b)];
  }

  @Get('none')
  none() {
    return { cached: false };
  }

  @Get(':word')
  define(@Param('word') word: string) {
    return this.words.define(word);
  }
}

let app: NestFastifyApplication;
beforeAll(async () => {
  const module = await Test.createTestingModule({
    imports: [
      RedisCacheModule.forRoot({
        url: sharedRedisUrl(),
        namespace: uniqueNamespace(),
        stats: { flushInterval: false },
        redisTimeouts: { command: TEST_COMMAND_TIMEOUT },
      }),
    ],
    controllers: [WordsController],
    providers: [WordsService, { provide: APP_INTERCEPTOR, useClass: CacheStatsInterceptor }],
  }).compile();
  app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
});
afterAll(async () => {
  await app.get(RedisCacheService).clear();
  await app.close();
});

it('sets MISS, HIT and PARTIAL on the reply, and tallies the handler', async () => {
  const miss = await app.inject({ method: 'GET', url: '/words/cat' });
  expect(miss.headers['x-cache']).toBe('MISS');
  expect(miss.body).toBe('cat!');
  const hit = await app.inject({ method: 'GET', url: '/words/cat' });
  expect(hit.headers['x-cache']).toBe('HIT');
  const partial = await app.inject({ method: 'GET', url: '/words/pair/cat/dog' });
  expect(partial.headers['x-cache']).toBe('PARTIAL');
  expect(partial.json()).toEqual(['cat!', 'dog!']);
  const none = await app.inject({ method: 'GET', url: '/words/none' });
  expect(none.headers['x-cache']).toBeUndefined();
  const stats = app.get(RedisCacheService).stats();
  expect(stats.handlers['WordsController#define']).toMatchObject({ hits: 1, misses: 1 });
  expect(stats.handlers['WordsController#pair']).toMatchObject({ hits: 1, misses: 1 });
});

it('keeps concurrent requests apart', async () => {
  await app.inject({ method: 'GET', url: '/words/warm' });
  const urls = ['/words/warm', '/words/cold-1', '/words/pair/warm/cold-2', '/words/warm'];
  const responses = await Promise.all(urls.map((url) => app.inject({ method: 'GET', url })));
  expect(responses.map((r) => r.headers['x-cache'])).toEqual(['HIT', 'MISS', 'PARTIAL', 'HIT']);
});
