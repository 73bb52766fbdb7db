// `stats.openTelemetry`: every counter and gauge of `metrics()` as observable instruments (one
// snapshot per collection, counters without `_total`), plus lookup, factory and lock-wait latency
// histograms in seconds fed by the tracing channels.
import {
  subscribeCacheTraces,
  type CacheTraceKind,
  type LockWaitTraceContext,
  type LookupTraceContext,
} from '../events/tracing-channels.js';
import type {
  OpenTelemetryAttributes,
  OpenTelemetryBatchCallback,
  OpenTelemetryHistogram,
  OpenTelemetryInstrument,
  OpenTelemetryMeter,
} from '../options/opentelemetry-types.js';
import { METRIC_FAMILIES } from './metric-families.js';
import type { MetricFamiliesSource } from './prometheus-registry.js';

const HISTOGRAMS: Record<CacheTraceKind, { name: string; description: string }> = {
  lookup: {
    name: 'cache_lookup_duration',
    description: 'Duration of getOrSet and @Cacheable lookups, by outcome and layer.',
  },
  factory: {
    name: 'cache_factory_duration',
    description: 'Duration of getOrSet factory runs, by outcome (ok or error).',
  },
  lockWait: {
    name: 'cache_lock_wait_duration',
    description: "Time spent waiting for another instance's factory run, by how the wait ended.",
  },
};

/** Starts recording; returns the function that stops it. */
export function recordWithOpenTelemetry(
  namespace: string,
  meter: OpenTelemetryMeter,
  source: MetricFamiliesSource,
): () => void {
  const observed = observeFamilies(meter, source);
  const histograms = new Map<CacheTraceKind, OpenTelemetryHistogram>();
  for (const [kind, { name, description }] of Object.entries(HISTOGRAMS))
    histograms.set(kind as CacheTraceKind, meter.createHistogram(name, { description, unit: 's' }));
  const started = new WeakMap<object, number>();
  const unsubscribe = subscribeCacheTraces(namespace, {
    start: (_kind, context) => started.set(context, performance.now()),
    end(kind, context) {
      const since = started.get(context);
      if (since === undefined) return;
      const attributes: OpenTelemetryAttributes = { namespace };
      if (kind === 'lookup') {
        const { outcome, layer } = context as LookupTraceContext;
        attributes.outcome = context.error === undefined ? outcome : 'error';
        if (layer) attributes.layer = layer;
      } else if (kind === 'lockWait') {
        attributes.outcome = (context as LockWaitTraceContext).outcome ?? 'error';
      } else attributes.outcome = context.error === undefined ? 'ok' : 'error';
      histograms.get(kind)!.record((performance.now() - since) / 1000, attributes);
    },
  });
  return () => {
    unsubscribe();
    observed();
  };
}

/** The counters and gauges of `metrics()` as observable instruments, read once per collection. */
function observeFamilies(meter: OpenTelemetryMeter, source: MetricFamiliesSource): () => void {
  const instruments = new Map<string, OpenTelemetryInstrument>();
  for (const { name, type, help } of METRIC_FAMILIES) {
    // Histograms of sizes and write-behind durations stay in `metrics()`: OpenTelemetry has no
    // observable histogram. Redis's own INFO figures (redis_*) are not the cache's instruments.
    if (type === 'histogram' || name.startsWith('redis_')) continue;
    const instrument =
      type === 'counter'
        ? meter.createObservableCounter(name.replace(/_total$/, ''), { description: help })
        : meter.createObservableGauge(name, { description: help });
    instruments.set(name, instrument);
  }
  const callback: OpenTelemetryBatchCallback = async (observer) => {
    for (const { name, samples } of await source()) {
      const instrument = instruments.get(name);
      if (instrument)
        for (const { labels, value } of samples) observer.observe(instrument, value, labels);
    }
  };
  const all = [...instruments.values()];
  meter.addBatchObservableCallback(callback, all);
  return () => meter.removeBatchObservableCallback(callback, all);
}
