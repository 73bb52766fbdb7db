// The module's `stats` option (the hit/miss header, the fleet totals, Prometheus, OpenTelemetry),
// validated at bootstrap. A registry, Meter or Tracer is checked by the methods the library calls.
import { CacheConfigError } from '../errors/errors.js';
import { duration, knownOptions, mustBe } from '../options/option-kit.js';
import type { Ttl } from '../time/ttl.js';
import type { PrometheusRegistry } from '../options/resolved-options.js';
import type { StatsSettings } from '../options/resolved-options.js';
import type {
  OpenTelemetryMeter,
  OpenTelemetrySettings,
  OpenTelemetryTracer,
} from '../options/opentelemetry-types.js';

export type { StatsSettings };

export interface StatsOptions {
  /** Response header CacheStatsInterceptor sets to HIT, MISS or PARTIAL; `false` sets none. Default `'X-Cache'`. */
  header?: string | false;
  /**
   * How often this process adds its counters to the cluster totals in Redis read by
   * `stats({ scope: 'cluster' })` (also at shutdown). `false`: only when this process reads the
   * totals itself. Default `'5s'`.
   */
  flushInterval?: Ttl | false;
  /**
   * Register the cache's metrics (those of `metrics()`) in a prom-client registry, so the app's
   * own metrics route serves them: `true` for prom-client's default registry (the one
   * @willsoto/nestjs-prometheus serves), or `{ registry }`. Needs `prom-client` installed.
   * Default `false`.
   */
  prometheus?: boolean | { registry: PrometheusRegistry };
  /**
   * Record the cache's metrics and trace its lookups through OpenTelemetry
   * (opentelemetry-bridge.ts): `true` for the app's global meter and tracer providers, or
   * `{ meter?, tracer? }` for only those given. Needs `@opentelemetry/api` installed.
   * Default `false`.
   */
  openTelemetry?: boolean | { meter?: OpenTelemetryMeter; tracer?: OpenTelemetryTracer };
}

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const STATS_OPTION_NAMES = ['header', 'flushInterval', 'prometheus', 'openTelemetry'];

export function resolveStatsOptions(value: unknown): StatsSettings {
  const options: StatsOptions =
    value === undefined
      ? {}
      : knownOptions(
          value,
          STATS_OPTION_NAMES,
          'stats',
          '{ header?, flushInterval?, prometheus?, openTelemetry? }',
        );
  const header = options.header ?? 'X-Cache';
  if (header !== false && (typeof header !== 'string' || !HEADER_NAME.test(header)))
    throw new CacheConfigError('stats.header', mustBe('an HTTP header name or false', header));
  const interval = options.flushInterval ?? '5s';
  return {
    header,
    prometheus: resolvePrometheus(options.prometheus),
    openTelemetry: resolveOpenTelemetry(options.openTelemetry),
    flushIntervalMs:
      interval === false ? false : duration(interval, 'stats.flushInterval', { min: 10 }),
  };
}

function resolvePrometheus(value: unknown): StatsSettings['prometheus'] {
  if (value === undefined || value === false) return false;
  if (value === true) return 'default';
  const { registry } = knownOptions(
    value,
    ['registry'],
    'stats.prometheus',
    'true, false or { registry }',
  );
  const what = 'a prom-client Registry (with registerMetric and removeSingleMetric)';
  // Required here, unlike the optional meter and tracer withMethods lets through when undefined.
  if (registry === undefined)
    throw new CacheConfigError('stats.prometheus.registry', mustBe(what, registry));
  return withMethods(
    registry,
    ['registerMetric', 'removeSingleMetric'],
    'stats.prometheus.registry',
    what,
  );
}

const METER_METHODS = [
  'createHistogram',
  'createObservableCounter',
  'createObservableGauge',
  'addBatchObservableCallback',
  'removeBatchObservableCallback',
];

function resolveOpenTelemetry(value: unknown): OpenTelemetrySettings {
  if (value === undefined || value === false) return false;
  if (value === true) return { meter: 'global', tracer: 'global' };
  const { meter, tracer } = knownOptions(
    value,
    ['meter', 'tracer'],
    'stats.openTelemetry',
    'true, false or { meter?, tracer? }',
  );
  if (meter === undefined && tracer === undefined)
    throw new CacheConfigError(
      'stats.openTelemetry',
      'is an object without meter or tracer: pass one of them, or true for the global providers',
    );
  const meterIs = `an OpenTelemetry Meter (with ${METER_METHODS.join(', ')})`;
  const tracerIs = 'an OpenTelemetry Tracer (with startSpan)';
  return {
    meter: withMethods(meter, METER_METHODS, 'stats.openTelemetry.meter', meterIs),
    tracer: withMethods(tracer, ['startSpan'], 'stats.openTelemetry.tracer', tracerIs),
  };
}

/** `value`, when it has these methods (undefined stays undefined); else a CacheConfigError. */
function withMethods<T>(value: unknown, methods: string[], option: string, what: string): T {
  if (value === undefined) return value as T;
  const object = value as Record<string, unknown> | null;
  if (!methods.every((method) => typeof object?.[method] === 'function'))
    throw new CacheConfigError(option, mustBe(what, value));
  return value as T;
}
