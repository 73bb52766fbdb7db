// @CacheResponse hits served from the route, before Nest runs it (lib/http/cache-response.routes.ts),
// on Express and Fastify: only where nothing Nest runs first could change the answer. A guarded
// route still runs its guard on every hit, @Header() headers are still sent, and `condition`
// switches the cache off per request; everything else is served without entering Nest's
// interceptor pipeline, tallied by CacheStatsInterceptor all the same.
import {
  Controller,
  Get,
  Header,
  Injectable,
  Param,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CacheResponse, CacheStatsInterceptor, type CacheableRequest } from '../../lib/index.js';
import { CacheResponseInterceptor } from '../../lib/http/cache-response.interceptor.js';
import {
  callCounter,
  createHttpCacheApp,
  type HttpCacheApp,
  type HttpPlatform,
} from '../support/http-cache-app.js';

const { calls, count, reset: resetCalls } = callCounter();

@Injectable()
class OpenSesame implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    count('guard');
    return context.switchToHttp().getRequest<CacheableRequest>().headers['x-key'] === 'sesame';
  }
}

@Controller('shelf')
class ShelfController {
  @Get('plain/:id')
  @CacheResponse()
  plain(@Param('id') id: string) {
    return { id, call: count('plain') };
  }

  @Get('guarded/:id')
  @UseGuards(OpenSesame)
  @CacheResponse()
  guarded(@Param('id') id: string) {
    return { id, call: count('guarded') };
  }

  @Get('labelled/:id')
  @Header('X-Shelf', 'oak')
  @CacheResponse()
  labelled(@Param('id') id: string) {
    return { id, call: count('labelled') };
  }

  @Get('switch/:id')
  @CacheResponse({ condition: (request) => request.headers['x-no-cache'] === undefined })
  switched(@Param('id') id: string) {
    return { id, call: count('switch') };
  }
}

describe.each(['express', 'fastify'] as HttpPlatform[])('route hits on %s', (platform) => {
  let app: HttpCacheApp;
  const intercept = vi.spyOn(CacheResponseInterceptor.prototype, 'intercept');

  beforeAll(async () => {
    app = await createHttpCacheApp({
      platform,
      controllers: [ShelfController],
      providers: [OpenSesame, { provide: APP_INTERCEPTOR, useClass: CacheStatsInterceptor }],
    });
  });
  afterAll(() => app?.close());
  beforeEach(async () => {
    resetCalls();
    await app.cache.clear();
    app.cache.resetStats();
    intercept.mockClear();
  });
  afterEach(() => intercept.mockClear());

  /** The key docs/response-cache.md gives a GET of `path` (no query string) on this app. */
  const keyOf = (path: string) =>
    `response:GET|h${app.host.length}:${app.host}|p${path.length}:${path}`;

  it('serves a hit without entering the interceptor pipeline, tallied and with the same bytes', async () => {
    const miss = await app.http().get('/shelf/plain/1').expect(200);
    expect(intercept).toHaveBeenCalledTimes(1);
    const hit = await app.http().get('/shelf/plain/1').expect(200);
    expect(intercept).toHaveBeenCalledTimes(1);
    expect(calls.plain).toBe(1);
    expect(hit.text).toBe(miss.text);
    expect(hit.headers.etag).toBe(miss.headers.etag);
    expect(hit.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(hit.headers['content-length']).toBe(String(Buffer.byteLength(miss.text)));
    expect(hit.headers.age).toBe('0');
    expect([miss.headers['x-cache'], hit.headers['x-cache']]).toEqual(['MISS', 'HIT']);
    const notModified = await app
      .http()
      .get('/shelf/plain/1')
      .set('If-None-Match', miss.headers.etag as string);
    expect(notModified.status).toBe(304);
    expect(intercept).toHaveBeenCalledTimes(1);
    expect(app.cache.stats().handlers['ShelfController#plain']).toMatchObject({
      hits: 2,
      misses: 1,
    });
    expect(app.cache.stats().methods['ShelfController.plain']).toMatchObject({
      hits: 2,
      misses: 1,
    });
  });

  it('reads Redis once for a miss: the lookup after the route does not read the entry again', async () => {
    const client = app.cache.client;
    const key = `${app.cache.namespace}:${keyOf('/shelf/plain/7')}`;
    // Every plain read of the entry (GET, or its place in a batched MGET).
    const reads: string[][] = [];
    const getBuffer = client.getBuffer.bind(client);
    const mgetBuffer = client.mgetBuffer.bind(client);
    const spies: { mockRestore(): void }[] = [
      vi.spyOn(client, 'getBuffer').mockImplementation(((read: string) => {
        if (read === key) reads.push([read]);
        return getBuffer(read);
      }) as never),
      vi.spyOn(client, 'mgetBuffer').mockImplementation(((batch: string[]) => {
        if (batch.includes(key)) reads.push(batch);
        return mgetBuffer(batch);
      }) as never),
    ];
    // ioredis has evalshaBuffer without typing it.
    const withBuffers = client as unknown as Record<'evalsha' | 'evalshaBuffer', () => unknown>;
    const scripts = [vi.spyOn(withBuffers, 'evalsha'), vi.spyOn(withBuffers, 'evalshaBuffer')];
    spies.push(...scripts);
    try {
      const miss = await app.http().get('/shelf/plain/7').expect(200);
      expect(miss.headers['x-cache']).toBe('MISS');
      expect(reads).toHaveLength(1);
      // The lock attempt, a script that reads the entry in the same step.
      expect(scripts.some((script) => script.mock.calls.length > 0)).toBe(true);
      const hit = await app.http().get('/shelf/plain/7').expect(200);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.text).toBe(miss.text);
      expect(calls.plain).toBe(1);
      expect(app.cache.stats().handlers['ShelfController#plain']).toMatchObject({
        hits: 1,
        misses: 1,
      });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('runs the guard of a guarded route on every hit', async () => {
    await app.http().get('/shelf/guarded/1').set('X-Key', 'sesame').expect(200);
    await app.http().get('/shelf/guarded/1').set('X-Key', 'sesame').expect(200);
    await app.http().get('/shelf/guarded/1').set('X-Key', 'wrong').expect(403);
    expect(calls.guard).toBe(3);
    expect(calls.guarded).toBe(1);
  });

  it('keeps the @Header() headers of the route on hits', async () => {
    await app.http().get('/shelf/labelled/1').expect(200);
    const hit = await app.http().get('/shelf/labelled/1').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['x-shelf']).toBe('oak');
    expect(calls.labelled).toBe(1);
  });

  it('neither reads nor stores when condition says no', async () => {
    await app.http().get('/shelf/switch/1').set('X-No-Cache', '1').expect(200);
    expect(await app.cache.has(keyOf('/shelf/switch/1'))).toBe(false);
    await app.http().get('/shelf/switch/1').expect(200);
    expect(await app.cache.has(keyOf('/shelf/switch/1'))).toBe(true);
    const hit = await app.http().get('/shelf/switch/1').expect(200);
    expect(hit.body).toEqual({ id: '1', call: 2 });
    const bypassed = await app.http().get('/shelf/switch/1').set('X-No-Cache', '1').expect(200);
    expect(bypassed.body).toEqual({ id: '1', call: 3 });
    expect(bypassed.headers['x-cache']).toBeUndefined();
    expect(calls.switch).toBe(3);
  });
});
