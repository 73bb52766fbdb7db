// Options of the write-behind queue (module level, `writeBehind: {...}`) and of one write-behind
// call or decorated method (`maxAttempts`, `backoff`, `coalesce`), validated once into
// milliseconds and whole numbers: at bootstrap for the module and decorators, per call otherwise.
import { CacheConfigError } from '../errors/errors.js';
import {
  duration,
  flag,
  knownOptions,
  oneOf,
  optionPath,
  optionsObject,
  wholeNumber,
} from '../options/option-kit.js';
import type { Ttl } from '../time/ttl.js';
import type {
  ResolvedBackoff,
  ResolvedJobOptions,
  ResolvedDurability,
  ResolvedWriteBehindOptions,
} from '../options/resolved-options.js';

/** Exponential backoff between attempts: `base`, `2 × base`, `4 × base`... capped at `max`. */
export interface WriteBehindBackoff {
  /** Delay before the second attempt. Default `'1s'`. */
  base?: Ttl;
  /** Longest delay between two attempts. Default `'5m'`. */
  max?: Ttl;
}

/** Per job: how it is retried and whether a burst of writes to its key may collapse into one call. */
export interface WriteBehindJobOptions {
  /** Collapse writes to the same key that are not persisted yet into one persister call with the latest value. Default `true`. */
  coalesce?: boolean;
  /** Persister calls before the job moves to the dead-letter stream (the first call counts). Default `5`. */
  maxAttempts?: number;
  /** Delay between attempts: `{ base, max }`, or just the base delay. Default `{ base: '1s', max: '5m' }`. */
  backoff?: Ttl | WriteBehindBackoff;
  /** How long a write waits before it is persisted, so that later writes to its key merge into it (with `coalesce`). `0` persists as soon as a worker is free. Default `'100ms'`. */
  delay?: Ttl;
}

/** `RedisCacheModule.forRoot({ writeBehind: {...} })`. */
export interface WriteBehindModuleOptions extends WriteBehindJobOptions {
  /** Run a worker in this instance. `false` makes an API-only instance: it enqueues, others persist. Default `true`. */
  worker?: boolean;
  /** Persister calls this worker runs at the same time (never two for the same key). Default `4`. */
  concurrency?: number;
  /** Most jobs fetched from Redis in one read. Default `10`. */
  batchSize?: number;
  /** How long one read waits for new jobs before polling again. Default `'1s'`. */
  blockTime?: Ttl;
  /** A job delivered to a worker that stopped heartbeating for this long is taken over by another worker. Default `'30s'`. */
  claimIdle?: Ttl;
  /** On shutdown, how long to wait for running persister calls; unfinished jobs stay queued for the next worker. Default `'10s'`. */
  drainTimeout?: Ttl;
  /**
   * Streams the queue is split into; a key's jobs always go to the same one (its order is kept),
   * and on Redis Cluster the shards spread over the masters. Every instance of a namespace must
   * use the same number; change it only with the queue drained. Default `1`, or `8` on Cluster.
   */
  shards?: number;
  /**
   * Acknowledge a write-behind call only once `replicas` replicas hold its job (Redis `WAIT`
   * after the enqueue), so a failover cannot lose it. Default `false`: acknowledged by the
   * primary alone.
   */
  durability?: WriteBehindDurability | false;
}

/** `writeBehind.durability`: how many replicas must hold a job before the call resolves. */
export interface WriteBehindDurability {
  /** Replicas that must have the job. At least 1. */
  replicas: number;
  /** How long to wait for them. Default `'100ms'`. */
  timeout?: Ttl;
  /**
   * When fewer replicas confirmed within `timeout`: `'reject'` (default) fails the call with a
   * `WriteBehindNotDurableError` (the job is queued on the primary, but may be lost in a
   * failover); `'warn'` resolves anyway, logs once per episode and counts it.
   */
  onTimeout?: 'reject' | 'warn';
}

// Spreads over a typical Cluster's masters; few enough that blocking reads (one connection per
// shard) stay cheap.
export const DEFAULT_CLUSTER_SHARDS = 8;

/** The names of WriteBehindJobOptions (per call, per method, and module defaults). */
export const JOB_OPTION_NAMES: readonly string[] = ['coalesce', 'maxAttempts', 'backoff', 'delay'];
const MODULE_OPTION_NAMES = [
  ...'worker concurrency batchSize blockTime claimIdle drainTimeout shards durability'.split(' '),
  ...JOB_OPTION_NAMES,
];

const DEFAULT_JOB_OPTIONS: ResolvedJobOptions = {
  coalesce: true,
  delayMs: 100,
  maxAttempts: 5,
  backoff: { baseMs: 1_000, maxMs: 300_000 },
};

/** Validates `writeBehind` of the module options; `where` prefixes option names in errors. */
export function resolveWriteBehindOptions(
  options: WriteBehindModuleOptions = {},
  where = 'writeBehind',
): ResolvedWriteBehindOptions {
  knownOptions(options, MODULE_OPTION_NAMES, where);
  const blockTimeMs = duration(options.blockTime ?? '1s', `${where}.blockTime`, {
    min: 1,
    max: 60_000,
  });
  const claimIdleMs = duration(options.claimIdle ?? '30s', `${where}.claimIdle`, { min: 100 });
  if (claimIdleMs <= blockTimeMs) {
    throw new CacheConfigError(
      `${where}.claimIdle`,
      `(${claimIdleMs} ms) must be longer than blockTime (${blockTimeMs} ms), or live jobs would be taken over`,
    );
  }
  return {
    ...resolveJobOptions(options, DEFAULT_JOB_OPTIONS, where),
    worker: flag(options.worker ?? true, `${where}.worker`),
    concurrency: wholeNumber(options.concurrency ?? 4, `${where}.concurrency`, { max: 1_000 }),
    batchSize: wholeNumber(options.batchSize ?? 10, `${where}.batchSize`, { max: 10_000 }),
    blockTimeMs,
    claimIdleMs,
    drainTimeoutMs: duration(options.drainTimeout ?? '10s', `${where}.drainTimeout`),
    shards:
      options.shards === undefined
        ? undefined
        : wholeNumber(options.shards, `${where}.shards`, { max: 1_024 }),
    durability: resolveDurability(options.durability, `${where}.durability`),
  };
}

function resolveDurability(
  durability: WriteBehindDurability | false | undefined,
  where: string,
): ResolvedDurability | undefined {
  if (durability === undefined || durability === false) return undefined;
  const { replicas, timeout, onTimeout } = knownOptions(
    durability,
    ['replicas', 'timeout', 'onTimeout'],
    where,
    'false or { replicas, timeout?, onTimeout? }',
  );
  return {
    replicas: wholeNumber(replicas, `${where}.replicas`, { max: 100 }),
    // WAIT 0 waits forever: a timeout is required, and capped so a call cannot hang for long.
    timeoutMs: duration(timeout ?? '100ms', `${where}.timeout`, { min: 1, max: 60_000 }),
    onTimeout: oneOf(onTimeout ?? 'reject', ['reject', 'warn'], `${where}.onTimeout`),
  };
}

/** Other names in `options` are the caller's to check; `where` `''`: names stand alone. */
export function resolveJobOptions(
  options: WriteBehindJobOptions | undefined,
  defaults: ResolvedJobOptions,
  where: string,
): ResolvedJobOptions {
  if (options === undefined) return defaults;
  optionsObject(options, where);
  const name = (option: string) => optionPath(where, option);
  const { coalesce, maxAttempts, backoff, delay } = options;
  return {
    coalesce: coalesce === undefined ? defaults.coalesce : flag(coalesce, name('coalesce')),
    maxAttempts:
      maxAttempts === undefined
        ? defaults.maxAttempts
        : wholeNumber(maxAttempts, name('maxAttempts'), { max: 1_000 }),
    backoff:
      backoff === undefined
        ? defaults.backoff
        : resolveBackoff(backoff, defaults.backoff, name('backoff')),
    delayMs:
      delay === undefined ? defaults.delayMs : duration(delay, name('delay'), { max: 3_600_000 }),
  };
}

function resolveBackoff(
  backoff: Ttl | WriteBehindBackoff,
  defaults: ResolvedBackoff,
  where: string,
): ResolvedBackoff {
  // A bare duration is the base delay.
  const bare = typeof backoff === 'number' || typeof backoff === 'string';
  const { base, max } = bare
    ? { base: backoff, max: undefined }
    : knownOptions(backoff, ['base', 'max'], where, 'a duration or { base?, max? }');
  const baseMs =
    base === undefined ? defaults.baseMs : duration(base, bare ? where : `${where}.base`);
  const maxMs =
    max === undefined ? Math.max(baseMs, defaults.maxMs) : duration(max, `${where}.max`);
  if (maxMs < baseMs)
    throw new CacheConfigError(
      `${where}.max`,
      `(${maxMs} ms) must not be shorter than base (${baseMs} ms)`,
    );
  return { baseMs, maxMs };
}
