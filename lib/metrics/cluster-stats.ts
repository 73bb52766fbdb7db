// Fleet-wide hit/miss totals: each process adds the counts it recorded since its last flush to one
// Redis hash per namespace (HINCRBY in one MULTI), on a timer and before reading, never per lookup.
// Reading the totals is one HGETALL. Counts that could not be sent are kept for the next flush.
// With stats.flushInterval false a process sends its counts only when it reads the totals itself.
import type { CacheLogger } from '../events/cache-logger.js';
import type { Redis } from 'ioredis';
import { oneOf } from '../options/option-kit.js';
import { KeySpace } from '../keys/key-space.js';
import { RedisConnection } from '../redis/redis-connection.js';
import {
  CacheStats,
  ratio,
  type CacheStatsDelta,
  type HitMissCounts,
  type HitMissDelta,
} from './cache-stats.js';
import { type ResolvedCacheOptions } from '../options/resolved-options.js';
import { CacheInsight, type CacheInsightSnapshot } from './cache-insight.js';

/**
 * `stats({ scope: 'cluster' })`: the counts of every instance on this namespace, summed, the
 * fleet's hot keys, and Redis's memory as this instance last read it.
 */
export interface ClusterCacheStats
  extends HitMissCounts, Pick<CacheInsightSnapshot, 'hotKeys' | 'memory'> {
  handlers: Record<string, HitMissCounts>;
  methods: Record<string, HitMissCounts>;
}

// Hash fields: 'hits', 'misses', 'handler|{name}|hits', 'method|{name}|misses'...
const SEPARATOR = '|';

export class ClusterStats {
  private readonly hashKey: string;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly counters: CacheStats,
    private readonly connection: RedisConnection,
    keys: KeySpace,
    private readonly options: ResolvedCacheOptions,
    private readonly insight: CacheInsight,
    private readonly logger: CacheLogger,
  ) {
    this.hashKey = keys.internal('stats', 'counters');
  }

  start(): void {
    const interval = this.options.stats.flushIntervalMs;
    if (interval === false) return;
    this.timer = setInterval(() => void this.flush(), interval);
    this.timer.unref();
  }

  /** The last counts go out before the connection closes. */
  async stop(): Promise<void> {
    if (this.timer === undefined) return; // stats.flushInterval: false
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Adds this process's unsent counts to the totals; one flush at a time. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.send()).then(() => this.insight.flush());
    return this.flushing;
  }

  /** Flushes this process, then reads the totals. Rejects when Redis cannot be read. */
  async read(): Promise<ClusterCacheStats> {
    await this.flush();
    const [hash, insight] = await Promise.all([
      this.connection.client.hgetall(this.hashKey),
      this.insight.fleetSnapshot(),
    ]);
    return { ...parseTotals(hash), ...insight };
  }

  private async send(): Promise<void> {
    const delta = this.counters.drainUnsent();
    const fields = toFields(delta);
    if (fields.length === 0) return;
    if (!this.connection.health.usable()) {
      this.counters.restoreUnsent(delta);
      return;
    }
    try {
      const transaction = (this.connection.client as Redis).multi();
      for (const [field, count] of fields) transaction.hincrby(this.hashKey, field, count);
      const results = await transaction.exec();
      if (!results) throw new Error('the transaction was aborted');
    } catch (error) {
      // Kept for the next flush; Redis outages are reported by the connection's health tracking.
      this.counters.restoreUnsent(delta);
      this.logger.debug(`Cluster stats not flushed, retrying later: ${(error as Error).message}`);
    }
  }
}

function toFields(delta: CacheStatsDelta): [string, number][] {
  const fields: [string, number][] = [];
  const add = (prefix: string, counts: HitMissDelta) => {
    if (counts.hits > 0) fields.push([`${prefix}hits`, counts.hits]);
    if (counts.misses > 0) fields.push([`${prefix}misses`, counts.misses]);
  };
  add('', delta.total);
  for (const [name, counts] of delta.handlers)
    add(`handler${SEPARATOR}${name}${SEPARATOR}`, counts);
  for (const [name, counts] of delta.methods) add(`method${SEPARATOR}${name}${SEPARATOR}`, counts);
  return fields;
}

function parseTotals(hash: Record<string, string>): Omit<ClusterCacheStats, 'hotKeys'> {
  const total = { hits: 0, misses: 0 };
  const groups = {
    handler: new Map<string, HitMissDelta>(),
    method: new Map<string, HitMissDelta>(),
  };
  for (const [field, value] of Object.entries(hash)) {
    const count = Number(value);
    if (field === 'hits' || field === 'misses') {
      total[field] += count;
      continue;
    }
    const first = field.indexOf(SEPARATOR);
    const last = field.lastIndexOf(SEPARATOR);
    const kind = field.slice(0, first);
    const counter = field.slice(last + 1);
    if ((kind !== 'handler' && kind !== 'method') || (counter !== 'hits' && counter !== 'misses'))
      continue; // a field a newer version of the library wrote
    const name = field.slice(first + 1, last);
    const group = groups[kind];
    let counts = group.get(name);
    if (!counts) group.set(name, (counts = { hits: 0, misses: 0 }));
    counts[counter] += count;
  }
  return {
    ...withRatio(total),
    handlers: toRecord(groups.handler),
    methods: toRecord(groups.method),
  };
}

function withRatio({ hits, misses }: HitMissDelta): HitMissCounts {
  return { hits, misses, hitRatio: ratio(hits, misses) };
}

function toRecord(counts: Map<string, HitMissDelta>): Record<string, HitMissCounts> {
  const result: Record<string, HitMissCounts> = {};
  for (const [name, value] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    result[name] = withRatio(value);
  return result;
}

/** Which counters `stats()` and `metrics()` report: this process (default) or all instances. */
export interface CacheStatsOptions {
  scope?: 'process' | 'cluster';
}

/** The scope asked for; a CacheConfigError for anything but 'process' or 'cluster'. */
export function statsScope(options: CacheStatsOptions | undefined): 'process' | 'cluster' {
  return oneOf(options?.scope ?? 'process', ['process', 'cluster'], 'scope');
}
