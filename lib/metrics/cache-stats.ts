// Hit and miss counters for this process: overall, per cached method (`ProductsService.findOne`)
// and per HTTP handler (`ProductsController#findOne`). Plain integer increments on the hot path;
// snapshots compute ratios only when asked.

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

export interface CacheStatsSnapshot extends HitMissCounts {
  handlers: Record<string, HitMissCounts>;
  methods: Record<string, HitMissCounts>;
  redis: RedisHealthStats;
}

class Counter {
  hits = 0;
  misses = 0;

  snapshot(): HitMissCounts {
    return { hits: this.hits, misses: this.misses, hitRatio: ratio(this.hits, this.misses) };
  }
}

export class CacheStats {
  private readonly total = new Counter();
  private readonly handlers = new Map<string, Counter>();
  private readonly methods = new Map<string, Counter>();

  /** Records one lookup; `method` names the cached method, `handler` the HTTP handler serving it. */
  record(hit: boolean, method?: string, handler?: string): void {
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

  reset(): void {
    this.total.hits = this.total.misses = 0;
    this.handlers.clear();
    this.methods.clear();
  }
}

export function ratio(hits: number, misses: number): number {
  const total = hits + misses;
  return total === 0 ? 0 : hits / total;
}

function bump(counter: Counter, hit: boolean): void {
  if (hit) counter.hits++;
  else counter.misses++;
}

function counterFor(counters: Map<string, Counter>, name: string): Counter {
  let counter = counters.get(name);
  if (!counter) counters.set(name, (counter = new Counter()));
  return counter;
}

function snapshotAll(counters: Map<string, Counter>): Record<string, HitMissCounts> {
  const result: Record<string, HitMissCounts> = {};
  for (const [name, counter] of counters) result[name] = counter.snapshot();
  return result;
}
