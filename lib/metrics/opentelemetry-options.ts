// `stats.openTelemetry` validated at bootstrap: true, false, or { meter?, tracer? } holding an
// OpenTelemetry Meter and Tracer (checked by the methods the bridge calls).
import { CacheConfigError } from '../errors/errors.js';
import { knownOptions, mustBe } from '../options/option-kit.js';
import type {
  OpenTelemetryMeter,
  OpenTelemetrySettings,
  OpenTelemetryTracer,
} from '../options/opentelemetry-types.js';

const METER_METHODS = [
  'createHistogram',
  'createObservableCounter',
  'createObservableGauge',
  'addBatchObservableCallback',
  'removeBatchObservableCallback',
] as const;

export function resolveOpenTelemetry(value: unknown): OpenTelemetrySettings {
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
  if (meter !== undefined && !hasMethods(meter, METER_METHODS))
    throw new CacheConfigError(
      'stats.openTelemetry.meter',
      mustBe(`an OpenTelemetry Meter (with ${METER_METHODS.join(', ')})`, meter),
    );
  if (tracer !== undefined && !hasMethods(tracer, ['startSpan']))
    throw new CacheConfigError(
      'stats.openTelemetry.tracer',
      mustBe('an OpenTelemetry Tracer (with startSpan)', tracer),
    );
  return {
    meter: meter as OpenTelemetryMeter | undefined,
    tracer: tracer as OpenTelemetryTracer | undefined,
  };
}

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function')
  );
}
