// Module options of the hit/miss statistics, validated at bootstrap.
import { CacheConfigError } from '../errors/cache-config.error.js';
import { duration, mustBe } from '../options/option-kit.js';
import type { Ttl } from '../time/ttl.js';

export interface StatsModuleOptions {
  /** Response header CacheStatsInterceptor sets to HIT, MISS or PARTIAL; `false` sets none. Default `'X-Cache'`. */
  statsHeader?: string | false;
  /**
   * How often this process adds its counters to the cluster totals in Redis read by
   * `stats({ scope: 'cluster' })` (also at shutdown). `false`: only when this process reads the
   * totals itself. Default `'5s'`.
   */
  statsFlushInterval?: Ttl | false;
}

export interface StatsSettings {
  header: string | false;
  flushIntervalMs: number | false;
}

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function resolveStatsOptions(options: StatsModuleOptions): StatsSettings {
  const header = options.statsHeader ?? 'X-Cache';
  if (header !== false && (typeof header !== 'string' || !HEADER_NAME.test(header)))
    throw new CacheConfigError('statsHeader', mustBe('an HTTP header name or false', header));
  const interval = options.statsFlushInterval ?? '5s';
  return {
    header,
    flushIntervalMs:
      interval === false ? false : duration(interval, 'statsFlushInterval', { min: 10 }),
  };
}
