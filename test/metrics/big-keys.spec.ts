// The big keys: the largest entries a process wrote and read, with their size in Redis and before
// compression and the method or HTTP handler that wrote them, and the histogram of entry sizes in
// metrics(). Real Redis.
import { Controller, Get, Injectable, Param } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cacheable, CacheStatsInterceptor, RedisCacheService } from '../../lib/index.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { createHttpCacheApp, type HttpCacheApp } from '../support/http-cache-app.js';
import { rawRedis } from '../support/raw-redis.js';
import { sharedRedisUrl } from '../support/cache-app.js';

@Injectable()
class ReportsService {
  @Cacheable({ key: 'report:{0}' })
  async build(id: string) {
    return { id, rows: Array.from({ length: 3000 }, (_, i) => ({ row: i, label: `line ${i}` })) };
  }
}

@Controller('exports')
class ExportsController {
  constructor(private readonly cache: RedisCacheService) {}

  @Get(':id')
  async export(@Param('id') id: string) {
    await this.cache.set(`export:${id}`, 'x'.repeat(50_000));
    return { id };
  }
}

describe('stats().bigKeys', () => {
  let app: CacheApp;
  beforeAll(async () => {
    app = await createCacheApp({
      cache: { compression: { threshold: 1024 } },
      providers: [ReportsService],
    });
  });
  afterAll(async () => {
    await app.cache.clear();
    await app.close();
  });

  it('lists the largest entries written, with their sizes and writer', async () => {
    for (let i = 0; i < 30; i++) await app.cache.set(`small:${i}`, 'v'.repeat(i * 10));
    const text = Array.from({ length: 20_000 }, (_, i) => `word${i % 97}`).join(' ');
    await app.cache.set('article', text);
    await app.get(ReportsService).build('q1');

    const { written } = app.cache.stats().bigKeys!;
    expect(written).toHaveLength(10);
    expect(written.slice(0, 2).map((entry) => entry.key)).toEqual(['report:q1', 'article']);
    const [report, article] = written;
    // Compressed above 1 KiB: smaller in Redis than before compression.
    expect(article.plainBytes).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(text)));
    expect(article.bytes).toBeLessThan(article.plainBytes! / 4);
    expect(article.writer).toBeUndefined();
    expect(report.writer).toBe('ReportsService.build');
    expect(written.every((entry, i) => i === 0 || written[i - 1].bytes >= entry.bytes)).toBe(true);
  });

  it('lists the largest entries read from Redis, at their size in Redis', async () => {
    await app.cache.get('article');
    await app.cache.get('small:3');
    const raw = rawRedis(sharedRedisUrl());
    try {
      const stored = await raw.strlen(`${app.namespace}:article`);
      const { read } = app.cache.stats().bigKeys!;
      expect(read[0]).toMatchObject({ key: 'article', bytes: stored });
      // Compressed: its size before compression is known from the write of this process.
      expect(read[0].plainBytes).toBe(app.cache.stats().bigKeys!.written[1].plainBytes);
      expect(read.map((entry) => entry.key)).toEqual(['article', 'small:3']);
    } finally {
      raw.disconnect();
    }
  });

  it('counts every entry written in the size histogram of metrics()', async () => {
    const text = await app.cache.metrics();
    const ns = `namespace="${app.namespace}"`;
    expect(text).toContain('# TYPE cache_entry_bytes histogram');
    expect(text).toContain(`cache_entry_bytes_count{${ns}} 32`);
    // small:0..small:25 hold at most 250 characters (JSON: 2 more): within 256 bytes.
    expect(text).toContain(`cache_entry_bytes_bucket{${ns},le="256"} 26`);
    expect(text).toContain(`cache_entry_bytes_bucket{${ns},le="+Inf"} 32`);
    expect(text).toMatch(
      new RegExp(`cache_big_key_bytes\\{${ns},op="written",key="report:q1"\\} \\d+`),
    );
    expect(text).toMatch(new RegExp(`cache_big_key_bytes\\{${ns},op="read",key="article"\\} \\d+`));
  });
});

describe('the writer of a big key written during an HTTP request', () => {
  let app: HttpCacheApp;
  beforeAll(async () => {
    app = await createHttpCacheApp({
      controllers: [ExportsController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: CacheStatsInterceptor }],
    });
  });
  afterAll(async () => {
    await app.cache.clear();
    await app.close();
  });

  it('is the handler serving the request', async () => {
    await app.http().get('/exports/7').expect(200);
    const [written] = app.cache.stats().bigKeys!.written;
    expect(written).toMatchObject({ key: 'export:7', writer: 'ExportsController#export' });
    expect(written.plainBytes).toBeGreaterThanOrEqual(50_000);
  });
});
