// The `stats.openTelemetry` bridge with the real OpenTelemetry SDK and its in-memory exporters, on
// real Redis: spans for a lookup, a factory run and a lock wait (from the cache's tracing
// channels), and the cache's counters and latency histograms through a Meter.
import { Injectable } from '@nestjs/common';
import { metrics, trace, type Tracer } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type HistogramMetricData,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { Cacheable, CacheConfigError } from '../../lib/index.js';
import { lookupChannel } from '../../lib/events/tracing-channels.js';
import { createCacheApp, uniqueNamespace, type CacheApp } from '../support/cache-app.js';

@Injectable()
class Catalog {
  @Cacheable({ key: 'item:{0}' })
  async find(id: number): Promise<{ id: number }> {
    return { id };
  }
}

const apps: CacheApp[] = [];
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function app(options: Parameters<typeof createCacheApp>[0] = {}): Promise<CacheApp> {
  const created = await createCacheApp({ providers: [Catalog], ...options });
  apps.push(created);
  return created;
}

function tracing(): { tracer: Tracer; spans: () => ReadableSpan[] } {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  cleanups.push(() => provider.shutdown());
  return { tracer: provider.getTracer('test'), spans: () => exporter.getFinishedSpans() };
}

function metering() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  cleanups.push(() => provider.shutdown());
  return {
    provider,
    /** Every metric of one collection, by name. */
    async collect(): Promise<Map<string, MetricData>> {
      exporter.reset();
      await provider.forceFlush();
      const collected = exporter.getMetrics().flatMap((resource) => resource.scopeMetrics);
      return new Map(
        collected.flatMap((scope) => scope.metrics.map((m) => [m.descriptor.name, m])),
      );
    },
  };
}

const attributesOf = (span: ReadableSpan) => span.attributes;
const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('spans from the tracing channels', () => {
  it('a miss runs the factory under its lookup span; the hit after it is one lookup span', async () => {
    const { tracer, spans } = tracing();
    const { cache, namespace } = await app({ cache: { stats: { openTelemetry: { tracer } } } });

    expect(await cache.getOrSet('p:1', () => 'computed')).toBe('computed');
    const [missLookup] = named(spans(), 'cache.lookup');
    const [factory] = named(spans(), 'cache.factory');
    expect(attributesOf(missLookup)).toEqual({
      'cache.key': 'p:1',
      'cache.namespace': namespace,
      'cache.outcome': 'miss',
    });
    expect(attributesOf(factory)).toMatchObject({
      'cache.key': 'p:1',
      'cache.namespace': namespace,
    });
    expect(parentOf(factory)).toBe(missLookup.spanContext().spanId);
    expect(factory.spanContext().traceId).toBe(missLookup.spanContext().traceId);

    expect(await cache.getOrSet('p:1', () => 'again')).toBe('computed');
    const lookups = named(spans(), 'cache.lookup');
    expect(lookups).toHaveLength(2);
    expect(attributesOf(lookups[1])).toMatchObject({
      'cache.outcome': 'hit',
      'cache.layer': 'redis',
    });
    expect(named(spans(), 'cache.factory')).toHaveLength(1);
  });

  it('an L1 hit of a decorated method names the layer and the method', async () => {
    const { tracer, spans } = tracing();
    const created = await app({ cache: { l1: true, stats: { openTelemetry: { tracer } } } });
    const catalog = created.get(Catalog);

    await catalog.find(7);
    await catalog.find(7);
    const [miss, hit] = named(spans(), 'cache.lookup');
    expect(attributesOf(miss)).toMatchObject({
      'cache.key': 'item:7',
      'cache.method': 'Catalog.find',
      'cache.outcome': 'miss',
    });
    expect(attributesOf(hit)).toMatchObject({
      'cache.method': 'Catalog.find',
      'cache.outcome': 'hit',
      'cache.layer': 'l1',
    });
  });

  it('a failing factory marks its span and its lookup span as errors', async () => {
    const { tracer, spans } = tracing();
    const { cache } = await app({ cache: { stats: { openTelemetry: { tracer } } } });

    await expect(
      cache.getOrSet('broken', () => Promise.reject(new Error('database down'))),
    ).rejects.toThrow('database down');
    for (const span of [...named(spans(), 'cache.lookup'), ...named(spans(), 'cache.factory')]) {
      expect(span.status).toEqual({ code: 2, message: 'database down' });
      expect(span.events.map((event) => event.name)).toEqual(['exception']);
    }
    expect(spans()).toHaveLength(2);
  });

  it("a caller waiting for another instance's factory run gets a lock-wait span", async () => {
    const { tracer, spans } = tracing();
    const namespace = uniqueNamespace();
    const options = { namespace, stats: { openTelemetry: { tracer } } };
    const [first, second] = [await app({ cache: options }), await app({ cache: options })];

    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    let running = false;
    const computing = first.cache.getOrSet('report', async () => {
      running = true;
      await slow;
      return 'from the first';
    });
    // The first instance holds the lock once its factory runs.
    await expect.poll(() => running).toBe(true);
    const waiting = second.cache.getOrSet('report', () => 'from the second');
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    expect(await Promise.all([computing, waiting])).toEqual(['from the first', 'from the first']);

    const [wait] = named(spans(), 'cache.lock_wait');
    expect(attributesOf(wait)).toEqual({
      'cache.key': 'report',
      'cache.namespace': namespace,
      'cache.outcome': 'value',
    });
    const waiter = named(spans(), 'cache.lookup').find(
      (span) => span.spanContext().spanId === parentOf(wait),
    );
    expect(waiter && attributesOf(waiter)['cache.outcome']).toBe('miss');
    expect(named(spans(), 'cache.factory')).toHaveLength(1);
    expect(named(spans(), 'cache.lock_wait')).toHaveLength(1);
  });

  it('unsubscribes when the app closes: lookups then build no trace context', async () => {
    const { tracer } = tracing();
    await app({ cache: { stats: { openTelemetry: { tracer } } } });
    expect(lookupChannel.hasSubscribers).toBe(true);
    await apps.splice(0)[0].close();
    expect(lookupChannel.hasSubscribers).toBe(false);
  });
});

describe('metrics through a Meter', () => {
  it('with `true`, records hits, misses and a lookup latency histogram through the global providers', async () => {
    const { provider, collect } = metering();
    metrics.setGlobalMeterProvider(provider);
    cleanups.push(() => metrics.disable());
    const { cache, namespace } = await app({ cache: { stats: { openTelemetry: true } } });

    await cache.getOrSet('a', () => 1); // miss
    await cache.getOrSet('a', () => 2); // hit
    await cache.getOrSet('a', () => 3); // hit
    const collected = await collect();

    const total = (name: string) =>
      collected
        .get(name)!
        .dataPoints.filter((point) => point.attributes.namespace === namespace)
        .reduce((sum, point) => sum + (point.value as number), 0);
    expect(collected.get('cache_hits')!.dataPointType).toBe(DataPointType.SUM);
    expect(total('cache_hits')).toBe(2);
    expect(total('cache_misses')).toBe(1);
    expect(total('cache_hit_ratio')).toBeCloseTo(2 / 3);

    const latency = collected.get('cache_lookup_duration') as HistogramMetricData;
    expect(latency.descriptor.unit).toBe('s');
    const byOutcome = Object.fromEntries(
      latency.dataPoints.map((point) => [point.attributes.outcome, point.value.count]),
    );
    expect(byOutcome).toEqual({ hit: 2, miss: 1 });
    const factory = collected.get('cache_factory_duration') as HistogramMetricData;
    expect(
      factory.dataPoints.map((point) => [point.attributes.outcome, point.value.count]),
    ).toEqual([['ok', 1]]);
    expect(latency.dataPoints.every((point) => point.value.sum! >= 0)).toBe(true);
  });

  it('with `true`, spans go to the global tracer provider', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    trace.setGlobalTracerProvider(provider);
    cleanups.push(
      () => trace.disable(),
      () => provider.shutdown(),
    );
    const { cache } = await app({ cache: { stats: { openTelemetry: true } } });

    await cache.getOrSet('b', () => 1);
    expect(
      exporter
        .getFinishedSpans()
        .map((span) => span.name)
        .sort(),
    ).toEqual(['cache.factory', 'cache.lookup']);
    expect(exporter.getFinishedSpans()[0].instrumentationScope.name).toBe('nestjs-redis-cache');
  });
});

describe('the option', () => {
  it.each([
    [{ meter: {} }, 'stats.openTelemetry.meter'],
    [{ tracer: 'tracer' }, 'stats.openTelemetry.tracer'],
    [{}, 'without meter or tracer'],
    [{ exporter: 1 }, 'exporter'],
    ['yes', 'stats.openTelemetry'],
  ])('refuses %j at bootstrap', async (openTelemetry, message) => {
    const failing = createCacheApp({ cache: { stats: { openTelemetry: openTelemetry as never } } });
    await expect(failing).rejects.toThrow(CacheConfigError);
    await expect(failing).rejects.toThrow(message);
  });
});
