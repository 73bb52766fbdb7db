// `stats.openTelemetry` at run time: metrics to a Meter, lookups/factory runs/lock waits to spans.
// @opentelemetry/api is an optional peer loaded only here and only when the option is on (`true`:
// the app's global providers, no-ops when it registered none).
import { CacheConfigError } from '../errors/errors.js';
import type {
  OpenTelemetryMeter,
  OpenTelemetrySettings,
  OpenTelemetryTracer,
} from '../options/opentelemetry-types.js';
import { recordWithOpenTelemetry } from './opentelemetry-metrics.js';
import { traceWithOpenTelemetry, type OpenTelemetryContextApi } from './opentelemetry-tracing.js';
import type { MetricFamiliesSource } from './prometheus-registry.js';

/** The instrumentation scope the cache's meter and tracer are named for. */
const OPEN_TELEMETRY_SCOPE = 'nestjs-redis-cache';

interface OpenTelemetryApi extends OpenTelemetryContextApi {
  metrics: { getMeter(name: string): OpenTelemetryMeter };
  trace: OpenTelemetryContextApi['trace'] & { getTracer(name: string): OpenTelemetryTracer };
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
    if (meter) this.stops.push(recordWithOpenTelemetry(namespace, meter, this.source));
    if (tracer) this.stops.push(traceWithOpenTelemetry(namespace, tracer, api));
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
