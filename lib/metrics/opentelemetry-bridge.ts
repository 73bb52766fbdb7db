// `stats.openTelemetry` at run time: every counter and gauge of `metrics()` as observable
// instruments (one snapshot per collection, counters without `_total`), lookup, factory and
// lock-wait latency histograms in seconds, and the tracing channels as spans (`cache.lookup`, with
// `cache.factory` and `cache.lock_wait` as children). @opentelemetry/api is an optional peer
// loaded only here and only when the option is on (`true`: the app's global providers, no-ops
// when it registered none).
import { CacheConfigError } from '../errors/errors.js';
import {
  subscribeCacheTraces,
  type CacheTraceContext,
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
  OpenTelemetrySettings,
  OpenTelemetrySpan,
  OpenTelemetryTracer,
} from '../options/opentelemetry-types.js';
import { METRIC_FAMILIES } from './metric-families.js';
import type { MetricFamiliesSource } from './prometheus-registry.js';

/** The instrumentation scope the cache's meter and tracer are named for. */
const OPEN_TELEMETRY_SCOPE = 'nestjs-redis-cache';

/** The part of @opentelemetry/api the bridge calls. */
interface OpenTelemetryApi {
  metrics: { getMeter(name: string): OpenTelemetryMeter };
  context: { active(): unknown };
  trace: {
    getTracer(name: string): OpenTelemetryTracer;
    setSpan(context: unknown, span: never): unknown;
  };
}

export class OpenTelemetryBridge {
  private stops: (() => void)[] = [];

  constructor(
    private readonly namespace: string,
    private readonly settings: OpenTelemetrySettings,
    private readonly source: MetricFamiliesSource,
  ) {}

  async start(): Promise<void> {
    const { settings, namespace } = this;
    if (settings === false || this.stops.length > 0) return;
    const api = await loadApi();
    const meter =
      settings.meter === 'global' ? api.metrics.getMeter(OPEN_TELEMETRY_SCOPE) : settings.meter;
    const tracer =
      settings.tracer === 'global' ? api.trace.getTracer(OPEN_TELEMETRY_SCOPE) : settings.tracer;
    if (meter)
      this.stops.push(observeFamilies(meter, this.source), recordDurations(namespace, meter));
    if (tracer) this.stops.push(traceSpans(namespace, tracer, api));
  }

  stop(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
  }
}

async function loadApi(): Promise<OpenTelemetryApi> {
  try {
    return (await import('@opentelemetry/api')) as unknown as OpenTelemetryApi;
  } catch (error) {
    throw new CacheConfigError(
      'stats.openTelemetry',
      'is set, but @opentelemetry/api cannot be loaded: install it (`npm install @opentelemetry/api`)',
      error,
    );
  }
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

/** The latency histograms, fed by the tracing channels. */
function recordDurations(namespace: string, meter: OpenTelemetryMeter): () => void {
  const histograms = new Map<CacheTraceKind, OpenTelemetryHistogram>();
  for (const [kind, { name, description }] of Object.entries(HISTOGRAMS))
    histograms.set(kind as CacheTraceKind, meter.createHistogram(name, { description, unit: 's' }));
  const started = new WeakMap<object, number>();
  return subscribeCacheTraces(namespace, {
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
}

const SPAN_NAMES: Record<CacheTraceKind, string> = {
  lookup: 'cache.lookup',
  factory: 'cache.factory',
  lockWait: 'cache.lock_wait',
};

/** SpanKind.INTERNAL and SpanStatusCode.ERROR of @opentelemetry/api. */
const INTERNAL = 0;
const ERROR = 2;

// Shared by every cache's subscriber: a context two caches of one namespace both see gets one span.
const spans = new WeakMap<CacheTraceContext, OpenTelemetrySpan>();

/**
 * The spans. Code the factory runs is traced under the caller's active span: a channel subscriber
 * cannot make its span the active one.
 */
function traceSpans(
  namespace: string,
  tracer: OpenTelemetryTracer,
  api: OpenTelemetryApi,
): () => void {
  return subscribeCacheTraces(namespace, {
    start(kind, context) {
      if (spans.has(context)) return;
      const lookup = (context as { lookup?: LookupTraceContext }).lookup;
      const parent = lookup && spans.get(lookup);
      const active = api.context.active();
      const span = tracer.startSpan(
        SPAN_NAMES[kind],
        {
          kind: INTERNAL,
          attributes: {
            'cache.key': context.key,
            'cache.namespace': context.namespace,
            'cache.method': context.method,
          },
        },
        parent ? api.trace.setSpan(active, parent as never) : active,
      );
      spans.set(context, span);
    },
    end(kind, context) {
      const span = spans.get(context);
      if (!span) return;
      spans.delete(context);
      if (kind === 'lookup') {
        const { outcome, layer } = context as LookupTraceContext;
        span.setAttributes({ 'cache.outcome': outcome, 'cache.layer': layer });
      } else if (kind === 'lockWait') {
        span.setAttributes({ 'cache.outcome': (context as LockWaitTraceContext).outcome });
      }
      if (context.error !== undefined) {
        const { error } = context;
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({
          code: ERROR,
          message: error instanceof Error ? error.message : undefined,
        });
      }
      span.end();
    },
  });
}
