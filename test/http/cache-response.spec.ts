// @CacheResponse in real Nest HTTP apps on Express and on Fastify, on real Redis: whole responses
// stored as the bytes sent and sent back as such, ETag/304, HEAD, keys (sorted query, vary),
// credentials never shared, what is never stored, tags evicted by @CacheEvict, single flight,
// and the per-handler stats and X-Cache of CacheStatsInterceptor.
import {
  Controller,
  Get,
  Header,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import {
  CacheEvents,
  CacheEvict,
  CacheResponse,
  CacheStatsInterceptor,
  type CacheableRequest,
} from '../../lib/index.js';
import { ManualClock } from '../../lib/testing/index.js';
import { eventually, sleep } from '../support/eventually.js';
import {
  bearerUser,
  callCounter,
  createHttpCacheApp,
  type HttpCacheApp,
  type HttpPlatform,
} from '../support/http-cache-app.js';

const { calls, count, reset: resetCalls } = callCounter();

interface HeaderSetter {
  header(name: string, value: string): unknown;
}

@Controller('catalog')
class CatalogController {
  @Get('products')
  @CacheResponse({
    ttl: 60,
    tags: (req: CacheableRequest) => [`category:${String(req.query?.category ?? 'all')}`],
  })
  list(@Query('category') category = 'all', @Query('page') page = '1') {
    return { category, page, call: count('list'), name: 'Café ☕' };
  }

  @Post('products/:category/price')
  @CacheEvict({ tags: (category: string) => [`category:${category}`] })
  reprice(@Param('category') category: string) {
    return { repriced: category };
  }

  @Get('greeting')
  @CacheResponse({ vary: ['Accept-Language'] })
  greet(@Headers('accept-language') language = '') {
    count('greet');
    return `<p>hello ${language}</p>`;
  }

  @Get('me')
  @CacheResponse()
  me(@Headers('authorization') auth?: string, @Headers('cookie') cookie?: string) {
    return { user: auth ?? cookie ?? 'anonymous', call: count('me') };
  }

  @Get('mine')
  @CacheResponse({ perUser: bearerUser, maxAge: 30 })
  mine(@Headers('authorization') auth?: string) {
    return { user: auth ?? 'anonymous', call: count('mine') };
  }

  @Get('cookie')
  @CacheResponse()
  async cookie(@Res({ passthrough: true }) res: HeaderSetter) {
    const n = count('cookie');
    await sleep(30);
    res.header('Set-Cookie', `visitor=${n}`);
    return { visitor: n };
  }

  @Get('private')
  @CacheResponse()
  @Header('Cache-Control', 'private')
  private() {
    return { call: count('private') };
  }

  @Get('missing')
  @CacheResponse()
  missing() {
    count('missing');
    throw new NotFoundException('no such thing');
  }

  @Get('accepted')
  @CacheResponse()
  @HttpCode(203)
  accepted() {
    return { call: count('accepted') };
  }

  @Get('file')
  @CacheResponse()
  file() {
    count('file');
    return new StreamableFile(Buffer.from('file contents'), { type: 'text/plain' });
  }

  @Get('big')
  @CacheResponse({ maxBytes: 100 })
  big() {
    count('big');
    return { text: 'x'.repeat(200) };
  }

  @Get('bytes')
  @CacheResponse()
  bytes() {
    count('bytes');
    return Buffer.from([0, 1, 2, 250, 255]);
  }

  @Get('slow')
  @CacheResponse()
  async slow() {
    await sleep(100);
    return { call: count('slow') };
  }

  @Get('max-age')
  @CacheResponse({ maxAge: '2m' })
  maxAge() {
    return { call: count('maxAge') };
  }
}

describe.each(['express', 'fastify'] as HttpPlatform[])('@CacheResponse on %s', (platform) => {
  let app: HttpCacheApp;

  beforeAll(async () => {
    app = await createHttpCacheApp({
      platform,
      controllers: [CatalogController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: CacheStatsInterceptor }],
    });
  });
  afterAll(() => app?.close());
  beforeEach(async () => {
    resetCalls();
    await app.cache.clear();
    app.cache.resetStats();
  });

  it('stores the response as sent and sends the same bytes back without running the handler', async () => {
    const miss = await app.http().get('/catalog/products?category=tea');
    const hit = await app.http().get('/catalog/products?category=tea');
    expect(miss.status).toBe(200);
    expect(hit.status).toBe(200);
    expect(calls.list).toBe(1);
    expect(hit.text).toBe(miss.text);
    expect(JSON.parse(hit.text)).toEqual({ category: 'tea', page: '1', call: 1, name: 'Café ☕' });
    for (const response of [miss, hit]) {
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['content-length']).toBe(String(Buffer.byteLength(miss.text)));
      expect(response.headers.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    }
    expect(hit.headers.etag).toBe(miss.headers.etag);
    expect(miss.headers.age).toBeUndefined();
    expect(hit.headers.age).toBe('0');
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(hit.headers['x-cache']).toBe('HIT');
  });

  it('answers If-None-Match with 304 on hits and on fresh misses', async () => {
    const first = await app.http().get('/catalog/products?category=tea');
    const etag = first.headers.etag as string;
    const onHit = await app.http().get('/catalog/products?category=tea').set('If-None-Match', etag);
    expect(onHit.status).toBe(304);
    expect(onHit.text).toBe('');
    expect(onHit.headers.etag).toBe(etag);
    // The next miss produces the same bytes (the handler's count is part of the body: reset it).
    await app.cache.clear();
    delete calls.list;
    const onMiss = await app
      .http()
      .get('/catalog/products?category=tea')
      .set('If-None-Match', `"other", W/${etag}`);
    expect(onMiss.status).toBe(304);
    expect(calls.list).toBe(1);
    const changed = await app
      .http()
      .get('/catalog/products?category=tea')
      .set('If-None-Match', '"other"');
    expect(changed.status).toBe(200);
  });

  it('answers HEAD with the headers of GET and no body, from the same entry', async () => {
    const get = await app.http().get('/catalog/products?category=tea');
    const head = await app.http().head('/catalog/products?category=tea');
    expect(head.status).toBe(200);
    expect(head.text ?? '').toBe('');
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(calls.list).toBe(1);
  });

  it('keys by path and sorted query string', async () => {
    await app.http().get('/catalog/products?page=2&category=tea');
    const same = await app.http().get('/catalog/products?category=tea&page=2');
    const other = await app.http().get('/catalog/products?category=tea&page=3');
    expect(same.headers['x-cache']).toBe('HIT');
    expect(other.headers['x-cache']).toBe('MISS');
    expect(calls.list).toBe(2);
  });

  it('keeps one variant per value of the vary headers, and says Vary', async () => {
    const en = await app.http().get('/catalog/greeting').set('Accept-Language', 'en');
    const fr = await app.http().get('/catalog/greeting').set('Accept-Language', 'fr');
    const enAgain = await app.http().get('/catalog/greeting').set('Accept-Language', 'en');
    expect(en.text).toBe('<p>hello en</p>');
    expect(fr.text).toBe('<p>hello fr</p>');
    expect(enAgain.text).toBe('<p>hello en</p>');
    expect(enAgain.headers['x-cache']).toBe('HIT');
    expect(calls.greet).toBe(2);
    expect(en.headers.vary).toBe('accept-language');
    expect(enAgain.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it("never serves one user's response to another: credentials bypass the cache", async () => {
    const anonymous = await app.http().get('/catalog/me');
    const alice = await app.http().get('/catalog/me').set('Authorization', 'Bearer alice');
    const bob = await app.http().get('/catalog/me').set('Authorization', 'Bearer bob');
    const session = await app.http().get('/catalog/me').set('Cookie', 'theme=dark; connect.sid=s1');
    const anonymousAgain = await app.http().get('/catalog/me');
    expect(alice.body.user).toBe('Bearer alice');
    expect(bob.body.user).toBe('Bearer bob');
    expect(session.body.user).toBe('theme=dark; connect.sid=s1');
    expect(anonymousAgain.body).toEqual(anonymous.body);
    expect(anonymousAgain.headers['x-cache']).toBe('HIT');
    expect(calls.me).toBe(4);
    // A cookie that names no session (analytics, preferences) does not make a request personal.
    const withTheme = await app.http().get('/catalog/me').set('Cookie', '_ga=GA1.2; theme=dark');
    expect(withTheme.body).toEqual(anonymous.body);
  });

  it('with perUser, caches one response per user and never crosses them', async () => {
    const alice = await app.http().get('/catalog/mine').set('Authorization', 'Bearer alice');
    const bob = await app.http().get('/catalog/mine').set('Authorization', 'Bearer bob');
    const aliceAgain = await app.http().get('/catalog/mine').set('Authorization', 'Bearer alice');
    const bobAgain = await app.http().get('/catalog/mine').set('Authorization', 'Bearer bob');
    const basic = await app.http().get('/catalog/mine').set('Authorization', 'Basic eDp5');
    expect(alice.body).toEqual({ user: 'Bearer alice', call: 1 });
    expect(bob.body).toEqual({ user: 'Bearer bob', call: 2 });
    expect(aliceAgain.body).toEqual(alice.body);
    expect(bobAgain.body).toEqual(bob.body);
    expect(aliceAgain.headers['x-cache']).toBe('HIT');
    // No user id for these credentials: not cached at all.
    expect(basic.body.user).toBe('Basic eDp5');
    expect(basic.headers['x-cache']).toBeUndefined();
    expect(alice.headers['cache-control']).toBe('private, max-age=30');
    expect(alice.headers.vary).toBe('authorization, cookie');
  });

  it('never stores a response that sets a cookie, even for requests sharing its lookup', async () => {
    const responses = await Promise.all(
      Array.from({ length: 4 }, () => app.http().get('/catalog/cookie')),
    );
    const cookies = responses.map((r) => r.headers['set-cookie']?.[0]);
    const visitors = responses.map((r) => r.body.visitor as number);
    expect(new Set(visitors).size).toBe(4);
    responses.forEach((r, i) => expect(cookies[i]).toBe(`visitor=${visitors[i]}`));
    await app.http().get('/catalog/cookie');
    expect(calls.cookie).toBe(5);
  });

  it('never stores Cache-Control: private, non-2xx responses, streams or oversized bodies', async () => {
    for (let i = 0; i < 2; i++) {
      expect((await app.http().get('/catalog/private')).headers['cache-control']).toBe('private');
      expect((await app.http().get('/catalog/missing')).status).toBe(404);
      const file = await app.http().get('/catalog/file');
      expect(file.text).toBe('file contents');
      expect(file.headers['content-type']).toMatch(/^text\/plain/);
      const big = await app.http().get('/catalog/big');
      expect(big.body.text).toHaveLength(200);
    }
    expect(calls).toMatchObject({ private: 2, missing: 2, file: 2, big: 2 });
  });

  it('keeps the status and the exact bytes of the body', async () => {
    const accepted = await app.http().get('/catalog/accepted');
    const acceptedHit = await app.http().get('/catalog/accepted');
    expect(acceptedHit.status).toBe(203);
    expect(acceptedHit.body).toEqual(accepted.body);
    const collect = (req: ReturnType<ReturnType<HttpCacheApp['http']>['get']>) =>
      req.buffer(true).parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    const bytes = await collect(app.http().get('/catalog/bytes'));
    const bytesHit = await collect(app.http().get('/catalog/bytes'));
    expect([...(bytesHit.body as Buffer)]).toEqual([0, 1, 2, 250, 255]);
    expect(bytesHit.headers['content-type']).toBe('application/octet-stream');
    expect(bytes.headers.etag).toBe(bytesHit.headers.etag);
    expect(calls.bytes).toBe(1);
  });

  it('sends Cache-Control: max-age when asked', async () => {
    const response = await app.http().get('/catalog/max-age');
    expect(response.headers['cache-control']).toBe('public, max-age=120');
  });

  it('is invalidated by @CacheEvict({ tags }) on the write route', async () => {
    await app.http().get('/catalog/products?category=tea');
    await app.http().get('/catalog/products?category=coffee');
    await app.http().post('/catalog/products/tea/price').expect(201);
    const tea = await app.http().get('/catalog/products?category=tea');
    const coffee = await app.http().get('/catalog/products?category=coffee');
    expect(tea.headers['x-cache']).toBe('MISS');
    expect(tea.body.call).toBe(3);
    expect(coffee.headers['x-cache']).toBe('HIT');
  });

  it('runs the handler once for concurrent misses (single flight)', async () => {
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => app.http().get('/catalog/slow')),
    );
    expect(calls.slow).toBe(1);
    expect(new Set(responses.map((r) => r.text)).size).toBe(1);
    expect(responses.every((r) => r.status === 200)).toBe(true);
  });

  it('counts hits and misses per handler in the stats', async () => {
    await app.http().get('/catalog/products?category=tea');
    await app.http().get('/catalog/products?category=tea');
    await app.http().get('/catalog/products?category=tea').set('Authorization', 'Bearer x');
    const stats = app.cache.stats();
    expect(stats.handlers['CatalogController#list']).toMatchObject({ hits: 1, misses: 1 });
    expect(stats.methods['CatalogController.list']).toMatchObject({ hits: 1, misses: 1 });
  });
});

describe.each(['express', 'fastify'] as HttpPlatform[])(
  '@CacheResponse with the L1 and grace on %s',
  (platform) => {
    let app: HttpCacheApp;
    // Responses go stale (and age) on this clock; the handler and the refresh take real time.
    const clock = new ManualClock();

    @Controller('fast')
    class FastController {
      @Get(':id')
      @CacheResponse({ ttl: 1, grace: '1m' })
      async find(@Param('id') id: string) {
        await sleep(30);
        return { id, call: count(`fast:${platform}:${id}`) };
      }
    }

    beforeAll(async () => {
      app = await createHttpCacheApp({
        platform,
        cache: { l1: true },
        clock,
        controllers: [FastController],
      });
    });
    afterAll(() => app?.close());

    /** Counts the entries the cache stores from now on (here: the background refresh's). */
    function countWrites(): () => number {
      let writes = 0;
      onTestFinished(app.get(CacheEvents).on('cache:written', () => writes++));
      return () => writes;
    }

    it('serves hits from the L1 with the same bytes, and stale ones during grace while one refresh runs', async () => {
      const first = await app.http().get('/fast/1');
      const hit = await app.http().get('/fast/1');
      expect(hit.text).toBe(first.text);
      expect(hit.headers.etag).toBe(first.headers.etag);
      expect(app.cache.stats().l1?.hits).toBeGreaterThan(0);
      clock.advance(1100);
      const writes = countWrites();
      const stale = await app.http().get('/fast/1');
      expect(stale.body).toEqual({ id: '1', call: 1 });
      expect(Number(stale.headers.age)).toBeGreaterThanOrEqual(1);
      // The background refresh (a real 30 ms handler) stores call 2.
      await eventually(writes, (n) => n > 0, { what: 'the background refresh stored' });
      const refreshed = await app.http().get('/fast/1');
      expect(refreshed.body).toEqual({ id: '1', call: 2 });
    });

    it('stores the refresh of a stale response that went out as a 304', async () => {
      const first = await app.http().get('/fast/2');
      clock.advance(1100);
      const writes = countWrites();
      const stale = await app
        .http()
        .get('/fast/2')
        .set('If-None-Match', first.headers.etag as string);
      expect(stale.status).toBe(304);
      // The background refresh stores call 2.
      await eventually(writes, (n) => n > 0, { what: 'the background refresh stored' });
      const refreshed = await app.http().get('/fast/2');
      expect(refreshed.body).toEqual({ id: '2', call: 2 });
      expect(refreshed.headers['x-cache'] ?? refreshed.headers.age).toBeDefined();
      expect(refreshed.headers.age).toBe('0');
    });
  },
);
