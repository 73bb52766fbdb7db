// What this process counts, fed by the bus (its tally path for hits and misses: no event object per
// lookup, plain increments, ratios only when asked): hits and misses overall, per cached method
// and per HTTP handler, origin protection, rejected values, hot keys and big keys. And the fleet's
// totals: each process adds its counts since the last flush to one Redis hash per namespace
// (HINCRBY in one MULTI), on a timer and before reading, never per lookup; unsent counts wait for
// the next flush. With stats.flushInterval false, only reading the totals flushes.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Redis } from 'ioredis';
import { CacheEvents } from '../events/cache-event-bus.js';
import type { CacheLogger } from '../events/cache-logger.js';
import type { KeySpace } from '../keys/key-space.js';
import { oneOf } from '../options/option-kit.js';
import type { ResolvedCacheOptions } from '../options/resolved-options.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import { emptyStampedeStats, type StampedeStats } from '../stampede/stampede-stats.js';
import type { L1Stats } from '../tiers/l1-cache.js';
import type { WriteBehindStatsSnapshot } from '../write/write-behind-stats.js';
import { BigKeys, type BigKeysSnapshot } from './big-keys.js';
import { HotKeys, type HotKey } from './hot-keys.js';
import { readRedisMemory, type RedisMemoryStats } from './redis-memory-stats.js';
import type { RequestTally } from './request-tally.js';

export interface HitMissCounts {
  hits: number;
  misses: number;
  hitRatio: number;
}

export interface RedisHealthStats {
  available: boolean;
  errors: number;
  outages: number;
  skippedWrites: number;
}

export interface ValueStats {
  /** Entries read as a miss because they hold more than `limits.valueBytes`. */
  oversizedEntries: number;
  /** Entries read as a miss because they cannot be decoded. */
  corruptEntries: number;
  /** Computed values returned to the caller but not cached (not serializable, or too large). */
  notStored: number;
}

interface CacheInsightSnapshot {
  /** The most read keys (estimated from a sample of reads), hottest first. */
  hotKeys: HotKey[];
  /** The largest entries written and read by this process. */
  bigKeys: BigKeysSnapshot;
  /** Redis's memory and evictions at the last stats flush; undefined before it or without INFO. */
  memory?: RedisMemoryStats;
}

/** `writeBehind` and `l1` are filled by RedisCacheService.stats() (cache-report.ts). */
export interface CacheStatsSnapshot extends HitMissCounts, Partial<CacheInsightSnapshot> {
  handlers: Record<string, HitMissCounts>;
  methods: Record<string, HitMissCounts>;
  redis: RedisHealthStats;
  /** Write-through/write-behind counters and the queue's state (filled by RedisCacheService.stats()). */
  writeBehind?: WriteBehindStatsSnapshot;
  /** The in-process L1 (when configured): its hits are also counted in `hits`. */
  l1?: L1Stats;
  /** Locks waited on, stale values served, fail-safe, timeouts, early recomputations. */
  stampede?: StampedeStats;
  /** Entries read as misses because of what they hold, and computed values not cached. */
  values?: ValueStats;
}

/**
 * `stats({ scope: 'cluster' })`: the counts of every instance on this namespace, summed, the
 * fleet's hot keys, and Redis's memory as this instance last read it.
 */
export interface ClusterCacheStats
  extends HitMissCounts, Pick<CacheInsightSnapshot, 'hotKeys' | 'memory'> {
  handlers: Record<string, HitMissCounts>;
  methods: Record<string, HitMissCounts>;
}

/** Which counters `stats()` and `metrics()` report: this process (default) or all instances. */
export interface CacheStatsOptions {
  scope?: 'process' | 'cluster';
}

/** The scope asked for; a CacheConfigError for anything but 'process' or 'cluster'. */
export function statsScope(options: CacheStatsOptions | undefined): 'process' | 'cluster' {
  return oneOf(options?.scope ?? 'process', ['process', 'cluster'], 'scope');
}

// Hash fields: 'hits', 'misses', 'handler|{name}|hits', 'method|{name}|misses'...
const SEPARATOR = '|';
const COUNTS = ['hits', 'misses'] as const;
type CountName = (typeof COUNTS)[number];

/** One name's hits and misses since the process started: never zeroed, so a hit is one increment. */
class Counter {
  hits = 0;
  misses = 0;
  /** The counts at the last reset(): stats() shows what came after. */
  readonly shownFrom = { hits: 0, misses: 0 };
  /** The counts the cluster totals have. */
  readonly sent = { hits: 0, misses: 0 };

  /** `field`: the prefix of its fields in the cluster totals' hash. */
  constructor(readonly field = '') {}

  shown(): HitMissCounts {
    const hits = this.hits - this.shownFrom.hits;
    const misses = this.misses - this.shownFrom.misses;
    return { hits, misses, hitRatio: hits + misses === 0 ? 0 : hits / (hits + misses) };
  }
}

export class CacheStats {
  private readonly total = new Counter();
  private readonly handlers = new Map<string, Counter>();
  private readonly methods = new Map<string, Counter>();
  private stampede = emptyStampedeStats();
  private values = emptyValueStats();
  /** The tally of the HTTP request being served, opened by CacheStatsInterceptor. */
  readonly requests = new AsyncLocalStorage<RequestTally>();
  private readonly hotKeys: HotKeys;
  /** Also the `cache_entry_bytes` histogram of `metrics()`. */
  readonly bigKeys: BigKeys;
  /** The last reading of Redis's memory that succeeded. */
  private memory?: RedisMemoryStats;
  private readonly hashKey: string;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  /** @internal Built by the engine before any lookup: it registers its counters on the bus. */
  constructor(
    events: CacheEvents,
    private readonly connection: RedisConnection,
    keys: KeySpace,
    private readonly options: ResolvedCacheOptions,
    private readonly logger: CacheLogger,
  ) {
    // The bus's tally path: counted without a `cache:hit`/`cache:miss` event object.
    events.tally({
      hit: (method) => this.record(true, method),
      miss: (method) => this.record(false, method),
      staleHit: () => this.stampede.staleServed++,
    });
    events.on('cache:lock-wait', () => this.stampede.lockWaits++);
    events.on('cache:lock-timeout', () => this.stampede.lockTimeouts++);
    events.on('cache:factory-error', (failure) => {
      if (failure.failSafe) this.stampede.failSafe++;
    });
    events.on('cache:factory-timeout', (timeout) => {
      if (timeout.hard && !timeout.failSafe) this.stampede.factoryTimeouts++;
      if (timeout.hard && timeout.failSafe) this.stampede.failSafe++;
    });
    events.on('cache:early-recompute', () => this.stampede.earlyRecomputations++);
    events.on('cache:entry-rejected', ({ reason }) => {
      if (reason === 'too-large') this.values.oversizedEntries++;
      else this.values.corruptEntries++;
    });
    events.on('cache:not-stored', () => this.values.notStored++);
    this.hotKeys = new HotKeys(events, connection, keys.internal('stats', 'hot-keys'));
    this.bigKeys = new BigKeys(events, () => this.requests.getStore()?.handler);
    this.hashKey = keys.internal('stats', 'counters');
  }

  /** Records one lookup; `method` names the cached method, the request its HTTP handler. */
  private record(hit: boolean, method: string | undefined): void {
    const request = this.requests.getStore();
    request?.record(hit);
    bump(this.total, hit);
    if (method !== undefined) bump(counterFor(this.methods, 'method', method), hit);
    if (request) bump(counterFor(this.handlers, 'handler', request.handler), hit);
  }

  /** `more`: what the report adds (Redis's health, the write strategies, the L1). */
  snapshot(more: Pick<CacheStatsSnapshot, 'redis' | 'writeBehind' | 'l1'>): CacheStatsSnapshot {
    return {
      ...this.total.shown(),
      handlers: shownAll(this.handlers),
      methods: shownAll(this.methods),
      ...more,
      stampede: { ...this.stampede },
      values: { ...this.values },
      hotKeys: this.hotKeys.top(),
      bigKeys: this.bigKeys.snapshot(),
      ...this.memoryIfRead(),
    };
  }

  /** Zeroes this process's counters; counts not yet sent to the cluster totals are still sent. */
  reset(): void {
    for (const counter of this.counters())
      for (const name of COUNTS) counter.shownFrom[name] = counter[name];
    this.stampede = emptyStampedeStats();
    this.values = emptyValueStats();
    this.hotKeys.reset();
    this.bigKeys.reset();
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

  /**
   * Adds this process's unsent counts to the totals, sends the hot keys' reads and reads Redis's
   * memory; one flush at a time.
   */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .then(() => this.send())
      .then(() => Promise.all([this.refreshMemory(), this.hotKeys.flush()]))
      .then(() => undefined);
    return this.flushing;
  }

  /** Flushes this process, then reads the fleet's totals. Rejects when Redis cannot be read. */
  async cluster(): Promise<ClusterCacheStats> {
    await this.flush();
    const [hash, hotKeys] = await Promise.all([
      this.connection.client.hgetall(this.hashKey),
      this.hotKeys.fleetTop(),
    ]);
    return { ...totalsFromFields(hash), hotKeys, ...this.memoryIfRead() };
  }

  private async send(): Promise<void> {
    const unsent: [Counter, CountName, number][] = [];
    for (const counter of this.counters())
      for (const name of COUNTS) {
        const count = counter[name] - counter.sent[name];
        if (count > 0) unsent.push([counter, name, count]);
      }
    if (unsent.length === 0 || !this.connection.health.usable()) return;
    try {
      const transaction = (this.connection.client as Redis).multi();
      for (const [counter, name, count] of unsent)
        transaction.hincrby(this.hashKey, counter.field + name, count);
      const results = await transaction.exec();
      if (!results) throw new Error('the transaction was aborted');
      for (const [counter, name, count] of unsent) counter.sent[name] += count;
    } catch (error) {
      // Left for the next flush; Redis outages are reported by the connection's health tracking.
      this.logger.debug(`Cluster stats not flushed, retrying later: ${(error as Error).message}`);
    }
  }

  private counters(): Counter[] {
    return [this.total, ...this.handlers.values(), ...this.methods.values()];
  }

  /** Keeps the last reading when Redis is unavailable or refuses INFO. */
  private async refreshMemory(): Promise<void> {
    this.memory = (await readRedisMemory(this.connection)) ?? this.memory;
  }

  private memoryIfRead(): { memory?: RedisMemoryStats } {
    return this.memory ? { memory: this.memory } : {};
  }
}

/** The cluster totals from the hash's fields, names sorted (fields a newer version wrote are skipped). */
function totalsFromFields(hash: Record<string, string>): Omit<ClusterCacheStats, 'hotKeys'> {
  const total = new Counter();
  const groups = { handler: new Map<string, Counter>(), method: new Map<string, Counter>() };
  for (const [field, value] of Object.entries(hash)) {
    const first = field.indexOf(SEPARATOR);
    const last = field.lastIndexOf(SEPARATOR);
    const kind = field.slice(0, first);
    const count = field.slice(last + 1);
    if (count !== 'hits' && count !== 'misses') continue;
    if (first < 0) total[count] += Number(value);
    else if (kind === 'handler' || kind === 'method')
      counterFor(groups[kind], kind, field.slice(first + 1, last))[count] += Number(value);
  }
  return {
    ...total.shown(),
    handlers: shownAll(groups.handler, true),
    methods: shownAll(groups.method, true),
  };
}

function bump(counter: Counter, hit: boolean): void {
  if (hit) counter.hits++;
  else counter.misses++;
}

function counterFor(counters: Map<string, Counter>, kind: string, name: string): Counter {
  let counter = counters.get(name);
  if (!counter)
    counters.set(name, (counter = new Counter(`${kind}${SEPARATOR}${name}${SEPARATOR}`)));
  return counter;
}

function shownAll(counters: Map<string, Counter>, sorted = false): Record<string, HitMissCounts> {
  const result: Record<string, HitMissCounts> = {};
  const entries = sorted
    ? [...counters].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    : counters;
  for (const [name, counter] of entries) {
    const shown = counter.shown();
    // Counters reset() zeroed stay (their unsent counts still go to the cluster) but are not shown.
    if (shown.hits > 0 || shown.misses > 0) result[name] = shown;
  }
  return result;
}

function emptyValueStats(): ValueStats {
  return { oversizedEntries: 0, corruptEntries: 0, notStored: 0 };
}
