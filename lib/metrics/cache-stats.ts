// Hit and miss counters of this process: overall, per cached method and per HTTP handler, fed by
// the bus's tally path (no event object per lookup; plain increments, ratios only when asked).
// Counts not yet added to the cluster totals are kept apart until ClusterStats drains them.
import { AsyncLocalStorage } from 'node:async_hooks';
import { CacheEvents } from '../events/cache-event-bus.js';
import type { RequestTally } from './request-tally.js';
import type { WriteBehindStatsSnapshot } from '../write/write-behind-stats.js';
import type { StampedeStats } from '../stampede/stampede-stats.js';
import type { L1Stats } from '../tiers/l1-cache.js';
import type { ValueStats } from './value-counters.js';
import type { CacheInsightSnapshot } from './cache-insight.js';

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

/** `hotKeys`, `bigKeys` and `memory` are filled by RedisCacheService.stats() (cache-insight.ts). */
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

/** Counts recorded since the last drain as fields of the cluster totals' hash, with their counters. */
export type UnsentCounts = [field: string, count: number, counter: Counter, hit: boolean][];

// Hash fields: 'hits', 'misses', 'handler|{name}|hits', 'method|{name}|misses'...
const SEPARATOR = '|';

class Counter {
  hits = 0;
  misses = 0;
  unsentHits = 0;
  unsentMisses = 0;

  snapshot(): HitMissCounts {
    const { hits, misses } = this;
    return { hits, misses, hitRatio: hits + misses === 0 ? 0 : hits / (hits + misses) };
  }
}

export class CacheStats {
  private readonly total = new Counter();
  private readonly handlers = new Map<string, Counter>();
  private readonly methods = new Map<string, Counter>();
  /** The tally of the HTTP request being served, opened by CacheStatsInterceptor. */
  readonly requests = new AsyncLocalStorage<RequestTally>();

  constructor(events: CacheEvents) {
    // The bus's tally path: counted without a `cache:hit`/`cache:miss` event object.
    events.tally({
      hit: (method) => this.record(true, method),
      miss: (method) => this.record(false, method),
    });
  }

  /** Records one lookup; `method` names the cached method, `handler` the HTTP handler serving it. */
  record(hit: boolean, method?: string, handler?: string): void {
    const request = this.requests.getStore();
    if (request) {
      request.record(hit);
      handler ??= request.handler;
    }
    bump(this.total, hit);
    if (method !== undefined) bump(counterFor(this.methods, method), hit);
    if (handler !== undefined) bump(counterFor(this.handlers, handler), hit);
  }

  snapshot(redis: RedisHealthStats): CacheStatsSnapshot {
    return {
      ...this.total.snapshot(),
      handlers: snapshotAll(this.handlers),
      methods: snapshotAll(this.methods),
      redis,
    };
  }

  /** Zeroes this process's counters; counts not yet sent to the cluster totals are still sent. */
  reset(): void {
    for (const counter of [this.total, ...this.handlers.values(), ...this.methods.values()])
      counter.hits = counter.misses = 0;
  }

  drainUnsent(): UnsentCounts {
    const unsent: UnsentCounts = [];
    const drain = (prefix: string, counter: Counter) => {
      const { unsentHits: hits, unsentMisses: misses } = counter;
      if (hits > 0) unsent.push([`${prefix}hits`, hits, counter, true]);
      if (misses > 0) unsent.push([`${prefix}misses`, misses, counter, false]);
      counter.unsentHits = counter.unsentMisses = 0;
    };
    drain('', this.total);
    for (const [name, counter] of this.handlers)
      drain(`handler${SEPARATOR}${name}${SEPARATOR}`, counter);
    for (const [name, counter] of this.methods)
      drain(`method${SEPARATOR}${name}${SEPARATOR}`, counter);
    return unsent;
  }

  /** Puts back counts a drain took but could not send, so the next flush sends them. */
  restoreUnsent(unsent: UnsentCounts): void {
    for (const [, count, counter, hit] of unsent) {
      if (hit) counter.unsentHits += count;
      else counter.unsentMisses += count;
    }
  }
}

/** The cluster totals from the hash's fields, names sorted (fields a newer version wrote are skipped). */
export function totalsFromFields(hash: Record<string, string>): Omit<CacheStatsSnapshot, 'redis'> {
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
      counterFor(groups[kind], field.slice(first + 1, last))[count] += Number(value);
  }
  return {
    ...total.snapshot(),
    handlers: snapshotAll(groups.handler, true),
    methods: snapshotAll(groups.method, true),
  };
}

function bump(counter: Counter, hit: boolean): void {
  if (hit) {
    counter.hits++;
    counter.unsentHits++;
  } else {
    counter.misses++;
    counter.unsentMisses++;
  }
}

function counterFor(counters: Map<string, Counter>, name: string): Counter {
  let counter = counters.get(name);
  if (!counter) counters.set(name, (counter = new Counter()));
  return counter;
}

function snapshotAll(
  counters: Map<string, Counter>,
  sorted = false,
): Record<string, HitMissCounts> {
  const result: Record<string, HitMissCounts> = {};
  const entries = sorted
    ? [...counters].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    : counters;
  for (const [name, counter] of entries) {
    // Counters zeroed by reset() stay (their unsent counts still go to the cluster) but are not shown.
    if (counter.hits > 0 || counter.misses > 0) result[name] = counter.snapshot();
  }
  return result;
}
