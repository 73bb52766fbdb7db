// What a write to the cache takes besides key and value (set(), the write strategies, and the
// write half of getOrSet): here, below the service, so that write/ need not import service/.
import type { Ttl } from '../time/ttl.js';

export interface CacheWriteOptions {
  /** Time to live: seconds or a duration string; default the module's `ttl`. `0` means no expiry. */
  ttl?: Ttl;
  /** Tags to invalidate this entry by, with `invalidateTags()`. */
  tags?: string[];
}

/** The option names of set() (CacheWriteOptions). */
export const WRITE_OPTION_NAMES: readonly string[] = ['ttl', 'tags'];
