// metrics(): Prometheus text of the hit/miss counters per handler and method, with Redis's own
// keyspace hit ratio, served from a route the user mounts.
import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Cacheable, CacheStatsInterceptor, RedisCacheService } from '../../lib/index.js';
import { PROMETHEUS_CONTENT_TYPE } from '../../lib/metrics/prometheus-text.js';
import { createHttpCacheApp, type HttpCacheApp } from '../support/http-cache-app.js';
import { rawRedis } from '../support/raw-redis.js';
import { RedisServer } from '../support/redis-server.js';

const ODD_NAME = 'odd "name"\\with\nnewline';

@Injectable()
class QuotesService {
  @Cacheable({ key: 'quote:{0}' })
  async quote(id: string) {
    return `quote ${id}`;
  }

  @Cacheable({ key: 'odd' })
  async [ODD_NAME]() {
    return 1;
  }
}

@Controller()
class QuotesController {
  constructor(
    private readonly quotes: QuotesService,
    private readonly cache: RedisCacheService,
  ) {}

  @Get('quotes/:id')
  quote() {
    return this.quotes.quote('1');
  }

  @Get('metrics')
  @Header('Content-Type', PROMETHEUS_CONTENT_TYPE)
  metrics() {
    return this.cache.metrics();
  }
}

let server: RedisServer;
let app: HttpCacheApp;

beforeAll(async () => {
  server = await RedisServer.start();
  app = await createHttpCacheApp({
    cache: { url: server.url, namespace: 'shop', stats: { flushInterval: false } },
    controllers: [QuotesController],
    providers: [QuotesService, { provide: APP_INTERCEPTOR, useClass: CacheStatsInterceptor }],
  });
});
afterAll(async () => {
  await app.close();
  await server.dispose();
});

/** Checks the text exposition format line by line; returns the samples by series. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const declared = new Set<string>();
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (comment) {
      if (comment[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(comment[3]);
        declared.add(comment[2]);
      }
      continue;
    }
    const sample =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_]\w*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (\S+)$/.exec(
        line,
      );
    expect(sample, `malformed line: ${line}`).not.toBeNull();
    const family = sample![1].replace(/_(bucket|sum|count)$/, '');
    expect(declared.has(sample![1]) || declared.has(family), `no TYPE before ${sample![1]}`).toBe(
      true,
    );
    samples.set(`${sample![1]}${sample![2] ?? ''}`, Number(sample![3]));
  }
  return samples;
}

it('serves hit/miss counters by handler and method, and the Redis keyspace ratio', async () => {
  await app.http().get('/quotes/1').expect(200); // miss
  await app.http().get('/quotes/1').expect(200); // hit
  await app.http().get('/quotes/1').expect(200); // hit
  await app.get(QuotesService)[ODD_NAME](); // miss, outside any request

  // Redis counts keyspace hits of other clients too (and of background work): bracket the read.
  const client = rawRedis(server.url);
  const keyspace = async () => {
    const info = await client.info('stats');
    return [/keyspace_hits:(\d+)/, /keyspace_misses:(\d+)/].map((re) => Number(re.exec(info)![1]));
  };
  const [hitsBefore, missesBefore] = await keyspace();
  const response = await app.http().get('/metrics').expect(200);
  const [hitsAfter, missesAfter] = await keyspace();
  client.disconnect();
  expect(response.headers['content-type']).toBe(PROMETHEUS_CONTENT_TYPE);
  const samples = parse(response.text);
  const ns = 'namespace="shop"';
  expect(samples.get(`cache_hits_total{${ns},handler="QuotesController#quote"}`)).toBe(2);
  expect(samples.get(`cache_misses_total{${ns},handler="QuotesController#quote"}`)).toBe(1);
  expect(samples.get(`cache_misses_total{${ns},handler=""}`)).toBe(1);
  expect(samples.get(`cache_method_hits_total{${ns},method="QuotesService.quote"}`)).toBe(2);
  expect(
    samples.get(
      `cache_method_misses_total{${ns},method="QuotesService.odd \\"name\\"\\\\with\\nnewline"}`,
    ),
  ).toBe(1);
  expect(samples.get(`cache_hit_ratio{${ns}}`)).toBe(0.5);

  const keyspaceHits = samples.get(`redis_keyspace_hits_total{${ns}}`)!;
  const keyspaceMisses = samples.get(`redis_keyspace_misses_total{${ns}}`)!;
  expect(hitsBefore).toBeGreaterThan(0);
  expect(keyspaceHits).toBeGreaterThanOrEqual(hitsBefore);
  expect(keyspaceHits).toBeLessThanOrEqual(hitsAfter);
  expect(keyspaceMisses).toBeGreaterThanOrEqual(missesBefore);
  expect(keyspaceMisses).toBeLessThanOrEqual(missesAfter);
  expect(samples.get(`redis_keyspace_hit_ratio{${ns}}`)).toBeCloseTo(
    keyspaceHits / (keyspaceHits + keyspaceMisses),
  );
});

it('leaves the Redis families out when Redis refuses INFO, and keeps caching', async () => {
  // Some hosted Redis services refuse INFO; an ACL user without it behaves the same.
  const restricted = await RedisServer.start();
  const admin = rawRedis(restricted.url);
  await admin.call('ACL', 'SETUSER', 'app', 'on', '>secret', '~*', '&*', '+@all', '-info');
  admin.disconnect();
  const url = restricted.url.replace('redis://', 'redis://app:secret@');
  const other = await createHttpCacheApp({
    cache: { url, stats: { flushInterval: false } },
    providers: [QuotesService],
  });
  try {
    await other.get(QuotesService).quote('1');
    const text = await other.cache.metrics();
    expect(text).toContain('cache_misses_total');
    expect(text).not.toContain('redis_keyspace');
    expect(await other.get(QuotesService).quote('1')).toBe('quote 1');
    expect(other.cache.stats()).toMatchObject({ hits: 1, misses: 1 });
    expect(other.cache.stats().redis.available).toBe(true);
  } finally {
    await other.close();
    await restricted.dispose();
  }
});
