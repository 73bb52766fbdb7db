// The hits and misses of one HTTP request, carried with AsyncLocalStorage so lookups deep in
// services count toward its handler and concurrent requests never mix. It also updates the
// response's X-Cache as the outcome changes, so the interceptor needs no rxjs operator.

export type CacheOutcome = 'HIT' | 'MISS' | 'PARTIAL';

export class RequestTally {
  hits = 0;
  misses = 0;
  private told: CacheOutcome | undefined;

  constructor(
    /** `ControllerName#method`. */
    readonly handler: string,
    /** Called when the request's outcome changes (at most twice: HIT or MISS, then PARTIAL). */
    private readonly onOutcome?: (tally: RequestTally) => void,
    /** The response to tell (the header's target), kept here so no closure is made per request. */
    readonly response?: unknown,
    /** The header to set on `response`. */
    readonly header?: string,
  ) {}

  record(hit: boolean): void {
    if (hit) this.hits++;
    else this.misses++;
    if (this.onOutcome === undefined) return;
    const outcome = cacheOutcome(this)!;
    if (outcome === this.told) return;
    this.told = outcome;
    this.onOutcome(this);
  }
}

/** HIT: every lookup hit; MISS: every lookup missed; PARTIAL: some of each; undefined: no lookups. */
export function cacheOutcome(tally: { hits: number; misses: number }): CacheOutcome | undefined {
  if (tally.hits === 0 && tally.misses === 0) return undefined;
  if (tally.misses === 0) return 'HIT';
  return tally.hits === 0 ? 'MISS' : 'PARTIAL';
}
