// The cache's tracing channels (node:diagnostics_channel, as undici and pg publish theirs): any
// tracer subscribes by name; without one a lookup pays one `hasSubscribers` check. Each context is
// the object the channel's events carry (`result`, `error` set on it as TracingChannel sets them).
import { tracingChannel } from 'node:diagnostics_channel';
import type { CacheLayer } from './cache-events.js';

/** What every context carries: the key as the app wrote it, the cache, the decorated method. */
export interface CacheTraceContext {
  key: string;
  namespace: string;
  /** `ClassName.method` for @Cacheable lookups; undefined for direct service calls. */
  method: string | undefined;
  error?: unknown;
}

/** `nestjs-redis-cache:lookup`: one getOrSet call (and one @Cacheable call), hit or miss. */
export interface LookupTraceContext extends CacheTraceContext {
  /** How the call was counted in the stats; set before the span ends. */
  outcome: 'hit' | 'miss' | 'stale' | undefined;
  /** Where a hit was served from; undefined on a miss. */
  layer: CacheLayer | undefined;
  result?: unknown;
}

/** `nestjs-redis-cache:factory`: one run of a getOrSet factory (one per key in the fleet). */
export interface FactoryTraceContext extends CacheTraceContext {
  /** The lookup that started the run (an early recomputation: the hit), when it is traced. */
  lookup: LookupTraceContext | undefined;
  result?: unknown;
}

/** `nestjs-redis-cache:lock-wait`: a caller waiting for another instance's factory run. */
export interface LockWaitTraceContext extends CacheTraceContext {
  lookup: LookupTraceContext | undefined;
  /**
   * How the wait ended: `value` (the holder wrote it), `lock` (this caller took the lock over),
   * `stale` (served the stale value at the soft timeout), `timeout` (lock.waitMs or the hard
   * timeout passed: the caller computes itself, or its lookup fails with the timeout error);
   * undefined when Redis failed during the wait.
   */
  outcome: 'value' | 'lock' | 'stale' | 'timeout' | undefined;
}

const CACHE_TRACING_CHANNELS = {
  lookup: 'nestjs-redis-cache:lookup',
  factory: 'nestjs-redis-cache:factory',
  lockWait: 'nestjs-redis-cache:lock-wait',
} as const;

export const lookupChannel = tracingChannel<unknown, LookupTraceContext>(
  CACHE_TRACING_CHANNELS.lookup,
);
export const factoryChannel = tracingChannel<unknown, FactoryTraceContext>(
  CACHE_TRACING_CHANNELS.factory,
);
export const lockWaitChannel = tracingChannel<unknown, LockWaitTraceContext>(
  CACHE_TRACING_CHANNELS.lockWait,
);

/** Runs a lookup under the lookup channel; `run` gets the context to record its outcome on. */
export function traceLookup<T>(
  namespace: string,
  key: string,
  method: string | undefined,
  run: (trace: LookupTraceContext) => Promise<T>,
): Promise<T> {
  const trace: LookupTraceContext = {
    key,
    namespace,
    method,
    outcome: undefined,
    layer: undefined,
  };
  return lookupChannel.tracePromise(() => run(trace), trace);
}

export function traceOutcome(
  trace: LookupTraceContext,
  hit: boolean,
  layer: CacheLayer,
  stale = false,
): void {
  trace.outcome = stale ? 'stale' : hit ? 'hit' : 'miss';
  trace.layer = hit ? layer : undefined;
}

/** The part of a getOrSet call (lookup-request.ts) the factory and lock-wait contexts read. */
export interface TracedCall {
  key: string;
  redisKey: string;
  context: { method?: string } | undefined;
  trace?: LookupTraceContext;
}

function contextOf({ key, redisKey, context, trace }: TracedCall) {
  // `{namespace}:{key}`, and a namespace holds no ':' (key-space.ts).
  const namespace = redisKey.slice(0, redisKey.indexOf(':'));
  return { key, namespace, method: context?.method, lookup: trace };
}

/** Runs a factory under the factory channel (called only when it has subscribers). */
export function traceFactory<T>(call: TracedCall, factory: () => T | Promise<T>): Promise<T> {
  // An async wrapper: a factory that throws synchronously still ends its span.
  return factoryChannel.tracePromise(async () => factory(), contextOf(call));
}

/**
 * A lock wait, published by hand (the wait is a stretch of a loop, not a call): start and end
 * when it begins, asyncStart and asyncEnd when it ends, as tracePromise orders them.
 */
export class LockWaitTrace {
  readonly context: LockWaitTraceContext;

  constructor(call: TracedCall) {
    this.context = { ...contextOf(call), outcome: undefined };
    lockWaitChannel.start.publish(this.context);
    lockWaitChannel.end.publish(this.context);
  }

  private done = false;

  /** The wait ended with `outcome`; only the first call counts (the lookup's exit calls it again). */
  ended(outcome: LockWaitTraceContext['outcome']): void {
    if (this.done) return;
    this.done = true;
    const { context } = this;
    context.outcome = outcome;
    lockWaitChannel.asyncStart.publish(context);
    lockWaitChannel.asyncEnd.publish(context);
  }
}

export type CacheTraceKind = keyof typeof CACHE_TRACING_CHANNELS;

/** What the library's own subscribers (the OpenTelemetry bridge) are told of one traced operation. */
export interface CacheTraceHandlers {
  start(kind: CacheTraceKind, context: CacheTraceContext): void;
  /** The operation settled (`context.error` set when it failed). */
  end(kind: CacheTraceKind, context: CacheTraceContext): void;
}

const CHANNELS = { lookup: lookupChannel, factory: factoryChannel, lockWait: lockWaitChannel };

/**
 * Subscribes to `namespace`'s operations (the channels are process-wide); returns the unsubscriber.
 */
export function subscribeCacheTraces(namespace: string, handlers: CacheTraceHandlers): () => void {
  const subscriptions = (Object.keys(CHANNELS) as CacheTraceKind[]).map((kind) => {
    const ours = (context: CacheTraceContext) => context.namespace === namespace;
    const subscriber = {
      start: (context: CacheTraceContext) => ours(context) && handlers.start(kind, context),
      asyncEnd: (context: CacheTraceContext) => ours(context) && handlers.end(kind, context),
      end() {},
      asyncStart() {},
      error() {},
    };
    const channel = CHANNELS[kind] as ReturnType<typeof tracingChannel<unknown, CacheTraceContext>>;
    channel.subscribe(subscriber);
    return () => channel.unsubscribe(subscriber);
  });
  return () => subscriptions.forEach((unsubscribe) => unsubscribe());
}
