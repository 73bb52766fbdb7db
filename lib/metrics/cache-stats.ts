// Hit and miss counters for this process: overall, per cached method (`ProductsService.findOne`)
// and per HTTP handler (`ProductsController#findOne`), counted from the hits and misses the lookup
// announces (through the bus's tally path: no event object per lookup). Plain integer increments
// on the hot path; snapshots compute ratios only when asked. The HTTP handler of a lookup comes
// from the request context CacheStatsInterceptor opens (AsyncLocalStorage). Counts not yet added
// to the cluster totals in Redis are kept apart until ClusterStats drains them.
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

/** Counts recorded since the last drain, to add to the cluster totals. */
export interface HitMissDelta {
  hits: number;
  misses: number;
}

export interface CacheStatsDelta {
  total: HitMissDelta;
  handlers: Map<string, HitMissDelta>;
  methods: Map<string, HitMissDelta>;
}

class Counter {
  hits = 0;
  misses = 0;
  unsentHits = 0;
  unsentMisses = 0;

  snapshot(): HitMissCounts {
    return { hits: this.hits, misses: this.misses, hitRatio: ratio(this.hits, this.misses) };
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

  /** Takes the counts recorded since the previous drain (for the cluster totals). */
  drainUnsent(): CacheStatsDelta {
    return {
      total: drain(this.total),
      handlers: drainAll(this.handlers),
      methods: drainAll(this.methods),
    };
  }

  /** Puts back counts a drain took but could not send, so the next flush sends them. */
  restoreUnsent(delta: CacheStatsDelta): void {
    restore(this.total, delta.total);
    for (const [name, counts] of delta.handlers) restore(counterFor(this.handlers, name), counts);
    for (const [name, counts] of delta.methods) restore(counterFor(this.methods, name), counts);
  }
}

export function ratio(hits: number, misses: number): number {
  const total = hits + misses;
  return total === 0 ? 0 : hits / total;
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

function drain(counter: Counter): HitMissDelta {
  const delta = { hits: counter.unsentHits, misses: counter.unsentMisses };
  counter.unsentHits = counter.unsentMisses = 0;
  return delta;
}

function drainAll(counters: Map<string, Counter>): Map<string, HitMissDelta> {
  const deltas = new Map<string, HitMissDelta>();
  for (const [name, counter] of counters) {
    if (counter.unsentHits > 0 || counter.unsentMisses > 0) deltas.set(name, drain(counter));
  }
  return deltas;
}

function restore(counter: Counter, delta: HitMissDelta): void {
  counter.unsentHits += delta.hits;
  counter.unsentMisses += delta.misses;
}

function counterFor(counters: Map<string, Counter>, name: string): Counter {
  let counter = counters.get(name);
  if (!counter) counters.set(name, (counter = new Counter()));
  return counter;
}

function snapshotAll(counters: Map<string, Counter>): Record<string, HitMissCounts> {
  const result: Record<string, HitMissCounts> = {};
  for (const [name, counter] of counters) {
    // Counters zeroed by reset() stay (their unsent counts still go to the cluster) but are not shown.
    if (counter.hits > 0 || counter.misses > 0) result[name] = counter.snapshot();
  }
  return result;
}
