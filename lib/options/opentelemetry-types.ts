// The parts of @opentelemetry/api's Meter and Tracer the library calls, written out so that its
// declarations need no @opentelemetry/api (an optional peer) to compile in an app without it. An
// OpenTelemetry Meter and Tracer fit them.

export type OpenTelemetryAttributes = Record<string, string | number | boolean | undefined>;

/** An OpenTelemetry instrument as the library holds it. */
export type OpenTelemetryInstrument = object;

export interface OpenTelemetryHistogram {
  record(value: number, attributes?: OpenTelemetryAttributes): void;
}

interface OpenTelemetryBatchObserver {
  observe(
    instrument: OpenTelemetryInstrument,
    value: number,
    attributes?: OpenTelemetryAttributes,
  ): void;
}

export type OpenTelemetryBatchCallback = (
  observer: OpenTelemetryBatchObserver,
) => void | Promise<void>;

interface InstrumentOptions {
  description?: string;
  unit?: string;
}

/** The part of an OpenTelemetry `Meter` the library uses. */
export interface OpenTelemetryMeter {
  createHistogram(name: string, options?: InstrumentOptions): OpenTelemetryHistogram;
  createObservableCounter(name: string, options?: InstrumentOptions): OpenTelemetryInstrument;
  createObservableGauge(name: string, options?: InstrumentOptions): OpenTelemetryInstrument;
  addBatchObservableCallback(
    callback: OpenTelemetryBatchCallback,
    instruments: OpenTelemetryInstrument[],
  ): void;
  removeBatchObservableCallback(
    callback: OpenTelemetryBatchCallback,
    instruments: OpenTelemetryInstrument[],
  ): void;
}

/** An OpenTelemetry `Span` as the library uses it. */
export interface OpenTelemetrySpan {
  setAttributes(attributes: OpenTelemetryAttributes): unknown;
  recordException(exception: Error | string): void;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

/** The part of an OpenTelemetry `Tracer` the library uses. */
export interface OpenTelemetryTracer {
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: OpenTelemetryAttributes },
    context?: unknown,
  ): OpenTelemetrySpan;
}

/** `stats.openTelemetry` resolved: what to record through, or false. */
export type OpenTelemetrySettings =
  | false
  | {
      /** `'global'`: the app's global providers, through @opentelemetry/api loaded at bootstrap. */
      meter: OpenTelemetryMeter | 'global' | undefined;
      tracer: OpenTelemetryTracer | 'global' | undefined;
    };
