// The hits and misses of one HTTP request, carried through everything the handler awaits with
// AsyncLocalStorage, so lookups deep inside services count toward the handler serving the
// request, and concurrent requests never see each other's counts.

export interface RequestTally {
  /** `ControllerName#method`. */
  readonly handler: string;
  hits: number;
  misses: number;
}

export type CacheOutcome = 'HIT' | 'MISS' | 'PARTIAL';

/** HIT: every lookup hit; MISS: every lookup missed; PARTIAL: some of each; undefined: no lookups. */
export function cacheOutcome(tally: RequestTally): CacheOutcome | undefined {
  if (tally.hits === 0 && tally.misses === 0) return undefined;
  if (tally.misses === 0) return 'HIT';
  return tally.hits === 0 ? 'MISS' : 'PARTIAL';
}
