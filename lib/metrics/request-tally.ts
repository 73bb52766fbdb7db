// The hits and misses of one HTTP request, carried through everything the handler awaits with
// AsyncLocalStorage, so lookups deep inside services count toward the handler serving the
// request, and concurrent requests never see each other's counts. The tally also tells the
// response its outcome as it changes (the X-Cache header), so the interceptor needs no operator
// on the handler's Observable.

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
