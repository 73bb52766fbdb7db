// `stats.openTelemetry`: the tracing channels as spans (`cache.lookup`, with `cache.factory` and
// `cache.lock_wait` as children). Code the factory runs is traced under the caller's active span:
// a channel subscriber cannot make its span the active one.
import type {
  CacheTraceContext,
  CacheTraceKind,
  LockWaitTraceContext,
  LookupTraceContext,
} from '../events/tracing-channels.js';
import { subscribeCacheTraces } from '../events/tracing-channels.js';
import type { OpenTelemetrySpan, OpenTelemetryTracer } from '../options/opentelemetry-types.js';

/** The part of @opentelemetry/api that parents a span. */
export interface OpenTelemetryContextApi {
  context: { active(): unknown };
  trace: { setSpan(context: unknown, span: never): unknown };
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

export function traceWithOpenTelemetry(
  namespace: string,
  tracer: OpenTelemetryTracer,
  api: OpenTelemetryContextApi,
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
