// The one Prometheus writer, read back by a real text-format parser; and the same families as
// collectors of an app's prom-client registry (the `stats.prometheus` option), for apps that already
// serve prom-client metrics (e.g. with @willsoto/nestjs-prometheus).
import { Injectable } from '@nestjs/common';
import { Registry, register as defaultRegister } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { CacheConfigError, WriteBehind, WriteThrough } from '../../lib/index.js';
import { renderFamilies } from '../../lib/metrics/prometheus-text.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import { parseExposition, sampleValue } from '../support/prometheus-exposition.js';

@Injectable()
class Orders {
  readonly saved: number[] = [];

  @WriteBehind({ key: 'order:{0}', delay: 0 })
  async save(id: number): Promise<void> {
    this.saved.push(id);
  }

  @WriteThrough({ key: 'invoice:{0}' })
  async invoice(id: number): Promise<number> {
    return id;
  }
}

const apps: CacheApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function app(options: Parameters<typeof createCacheApp>[0] = {}): Promise<CacheApp> {
  const created = await createCacheApp({ providers: [Orders], ...options });
  apps.push(created);
  return created;
}

describe('the text writer', () => {
  it('escapes HELP and label values and writes NaN and ±Inf as Prometheus spells them', () => {
    const text = renderFamilies([
      {
        name: 'odd_values',
        type: 'gauge',
        help: 'back\\slash and\nnewline',
        samples: [
          { labels: { v: 'nan', quote: 'say "hi"\n' }, value: Number.NaN },
          { labels: { v: 'inf' }, value: Number.POSITIVE_INFINITY },
          { labels: { v: '-inf' }, value: Number.NEGATIVE_INFINITY },
        ],
      },
    ]);
    expect(text).toContain('# HELP odd_values back\\\\slash and\\nnewline\n');
    const family = parseExposition(text).get('odd_values')!;
    expect(family.help).toBe('back\\slash and\nnewline');
    expect(family.type).toBe('GAUGE');
    expect(family.metrics.map((m) => [m.labels, m.value])).toEqual([
      [{ v: 'nan', quote: 'say "hi"\n' }, 'NaN'],
      [{ v: 'inf' }, '+Inf'],
      [{ v: '-inf' }, '-Inf'],
    ]);
  });

  it('writes the cache and write-behind families of metrics() in one parseable text', async () => {
    const cache = await app();
    const orders = cache.get(Orders);
    await orders.save(1);
    await orders.invoice(2);
    await cache.cache.getOrSet('k', () => 1);
    await cache.cache.getOrSet('k', () => 1);
    await eventually(
      () => cache.cache.writeBehindQueue.stats(),
      (stats) => stats.persisted === 1,
    );
    expect(orders.saved).toEqual([1]);

    const families = parseExposition(await cache.cache.metrics());
    const ns = { namespace: cache.namespace };
    expect(families.get('cache_hits_total')?.type).toBe('COUNTER');
    expect(sampleValue(families, 'cache_hits_total', { ...ns, handler: '' })).toBe(1);
    expect(sampleValue(families, 'cache_misses_total', { ...ns, handler: '' })).toBe(1);
    expect(sampleValue(families, 'cache_hit_ratio', ns)).toBe(0.5);
    expect(sampleValue(families, 'cache_write_behind_persisted_total', ns)).toBe(1);
    expect(
      sampleValue(families, 'cache_write_through_total', { ...ns, outcome: 'succeeded' }),
    ).toBe(1);
    expect(families.get('cache_write_behind_lag_seconds')?.type).toBe('HISTOGRAM');
    const lag = 'cache_write_behind_lag_seconds';
    expect(sampleValue(families, `${lag}_count`, ns)).toBe(1);
    expect(sampleValue(families, `${lag}_bucket`, { ...ns, le: '+Inf' })).toBe(1);
    expect(sampleValue(families, `${lag}_bucket`, { ...ns, le: '0.001' })).toBeLessThanOrEqual(1);
    expect(sampleValue(families, `${lag}_sum`, ns)).toBeGreaterThanOrEqual(0);
  });
});

describe('the stats.prometheus option: collectors in the app’s prom-client registry', () => {
  it('serves the same families from the registry as metrics() does', async () => {
    const registry = new Registry();
    const cache = await app({ cache: { stats: { prometheus: { registry } } } });
    await cache.cache.getOrSet('k', () => 1);
    await cache.cache.getOrSet('k', () => 1);
    await cache.get(Orders).invoice(3);

    const fromRegistry = parseExposition(await registry.metrics());
    const fromText = parseExposition(await cache.cache.metrics());
    const ns = { namespace: cache.namespace };
    expect(sampleValue(fromRegistry, 'cache_hits_total', { ...ns, handler: '' })).toBe(1);
    expect(
      sampleValue(fromRegistry, 'cache_write_through_total', { ...ns, outcome: 'succeeded' }),
    ).toBe(1);
    for (const name of [
      'cache_hits_total',
      'cache_misses_total',
      'cache_write_behind_lag_seconds_bucket',
      'cache_write_behind_lag_seconds_count',
    ])
      expect(fromRegistry.get(name)).toEqual(fromText.get(name));
    // Redis answers INFO here: the keyspace families are there, with the values of a scrape.
    expect(sampleValue(fromRegistry, 'redis_keyspace_hits_total', ns)).toBeGreaterThan(0);
  });

  it('feeds two caches into one registry, and takes each out when its app closes', async () => {
    const registry = new Registry();
    const first = await app({ cache: { stats: { prometheus: { registry } } } });
    const second = await app({ cache: { stats: { prometheus: { registry } } } });
    await first.cache.getOrSet('a', () => 1);
    await second.cache.getOrSet('b', () => 1);
    await second.cache.getOrSet('b', () => 1);
    let families = parseExposition(await registry.metrics());
    expect(sampleValue(families, 'cache_misses_total', { namespace: first.namespace })).toBe(1);
    expect(sampleValue(families, 'cache_hits_total', { namespace: second.namespace })).toBe(1);

    await first.close();
    families = parseExposition(await registry.metrics());
    expect(sampleValue(families, 'cache_misses_total', { namespace: first.namespace })).toBe(
      undefined,
    );
    expect(sampleValue(families, 'cache_misses_total', { namespace: second.namespace })).toBe(1);
    await second.close();
    expect(registry.getSingleMetric('cache_hits_total')).toBeUndefined();
  });

  it('stats: { prometheus: true } registers in prom-client’s default registry', async () => {
    const cache = await app({ cache: { stats: { prometheus: true } } });
    await cache.cache.getOrSet('k', () => 1);
    const families = parseExposition(await defaultRegister.metrics());
    expect(sampleValue(families, 'cache_misses_total', { namespace: cache.namespace })).toBe(1);
    await cache.close();
    expect(defaultRegister.getSingleMetric('cache_misses_total')).toBeUndefined();
  });

  it('refuses a registry that is not one, naming the option', async () => {
    const error = await createCacheApp({
      cache: { stats: { prometheus: { registry: {} as never } } },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error).toMatchObject({ option: 'stats.prometheus.registry' });
  });
});
