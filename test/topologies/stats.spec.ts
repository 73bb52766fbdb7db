// Stats on every topology: hits and misses counted per call and per cached method, L1 hits among
// the hits, Redis health, the Prometheus text, and stats({ scope: 'cluster' }) summing two
// instances of one namespace. The home of these behaviours; test/metrics/ and test/lookup/ keep
// what is single-node only (handler tallies over HTTP, flush batching, the exposition format,
// events per lookup).
import { Injectable } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { Cacheable } from '../../lib/index.js';
import { eventually } from '../support/eventually.js';
import { topologies, useTopology } from '../support/topologies.js';

@Injectable()
class WordsService {
  @Cacheable({ key: 'word:{0}' })
  async define(word: string): Promise<string> {
    return `${word}!`;
  }
}

describe.each(topologies)('stats on $name', (topology) => {
  const redis = useTopology(topology);

  it('counts hits and misses of get, mget and getOrSet, and per cached method', async () => {
    const app = await redis.app({}, { providers: [WordsService] });
    await app.cache.set('a', 1);
    await app.cache.get('a'); // hit
    await app.cache.get('absent'); // miss
    await app.cache.mget(['a', 'b', 'c']); // 1 hit, 2 misses
    await app.cache.getOrSet('g', () => 1); // miss
    await app.cache.getOrSet('g', () => 2); // hit
    const words = app.get(WordsService);
    await words.define('hello'); // miss
    await words.define('hello'); // hit
    await words.define('world'); // miss

    const stats = app.cache.stats();
    expect(stats).toMatchObject({ hits: 4, misses: 6 });
    expect(stats.methods['WordsService.define']).toMatchObject({ hits: 1, misses: 2 });
    expect(stats.redis).toMatchObject({ available: true, errors: 0, outages: 0 });
    const text = await app.cache.metrics();
    expect(text).toMatch(/^cache_hits_total(\{[^}]*\})? 4$/m);
    expect(text).toMatch(/^cache_misses_total(\{[^}]*\})? 6$/m);

    app.cache.resetStats();
    expect(app.cache.stats()).toMatchObject({ hits: 0, misses: 0 });
  });

  it('counts L1 hits among the hits, for getOrSet and get', async () => {
    const app = await redis.app({ l1: { ttl: '1m' } });
    // L1 serves once its invalidation bus is subscribed (bypassed until then).
    await eventually(
      () => app.cache.stats().l1!.active,
      (active) => active,
      { what: 'the L1 bus subscribed' },
    );
    await app.cache.getOrSet('k', () => 'v'); // miss, kept in L1
    for (let i = 0; i < 5; i++) await app.cache.getOrSet('k', () => 'other');
    await app.cache.set('s', 1);
    await app.cache.get('s'); // hit from Redis, now in L1
    await app.cache.get('s'); // L1 hit
    const stats = app.cache.stats();
    expect(stats).toMatchObject({ hits: 7, misses: 1 });
    expect(stats.l1).toMatchObject({ hits: 6, entries: 2 });
  });

  it("stats({ scope: 'cluster' }) sums the counts of every instance of the namespace", async () => {
    const a = await redis.app();
    const b = await redis.app({ namespace: a.namespace });
    await a.cache.getOrSet('x', () => 1); // miss on a
    await b.cache.getOrSet('x', () => 1); // hit on b
    await b.cache.getOrSet('y', () => 1); // miss on b
    await a.cache.getOrSet('y', () => 1); // hit on a
    await a.cache.getOrSet('y', () => 1); // hit on a
    expect(a.cache.stats()).toMatchObject({ hits: 2, misses: 1 });
    expect(b.cache.stats()).toMatchObject({ hits: 1, misses: 1 });
    // Each reader flushes its own counts; the other's are sent when it reads (or on its timer).
    await a.cache.stats({ scope: 'cluster' });
    expect(await b.cache.stats({ scope: 'cluster' })).toMatchObject({ hits: 3, misses: 2 });
  });
});
