// Counters of the origin-protection machinery of this process, reported by stats().stampede.

export interface StampedeStats {
  /** Lookups that found another instance computing the key and waited for its value. */
  lockWaits: number;
  /** Waits that ran out (`lock.wait`): the caller then computed itself or threw. */
  lockTimeouts: number;
  /** Stale values served (stale-while-revalidate, soft timeout, fail-safe). Also counted as hits. */
  staleServed: number;
  /** Factory failures or hard timeouts that a stale value stood in for. */
  failSafe: number;
  /** Lookups that gave up on the factory after `hardTimeout`. */
  factoryTimeouts: number;
  /** Background recomputations started early by XFetch. */
  earlyRecomputations: number;
}

export function emptyStampedeStats(): StampedeStats {
  return {
    lockWaits: 0,
    lockTimeouts: 0,
    staleServed: 0,
    failSafe: 0,
    factoryTimeouts: 0,
    earlyRecomputations: 0,
  };
}
