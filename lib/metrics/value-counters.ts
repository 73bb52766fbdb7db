// stats().values: entries that were read as misses because of what they hold, and computed values
// that could not be stored, counted from the events the read and write paths announce.
import { CacheEvents } from '../events/cache-event-bus.js';

export interface ValueStats {
  /** Entries read as a miss because they hold more than `limits.valueBytes`. */
  oversizedEntries: number;
  /** Entries read as a miss because they cannot be decoded. */
  corruptEntries: number;
  /** Computed values returned to the caller but not cached (not serializable, or too large). */
  notStored: number;
}

export class ValueCounters {
  private counts: ValueStats = emptyValueStats();

  constructor(events: CacheEvents) {
    events.on('cache:entry-rejected', ({ reason }) => {
      if (reason === 'too-large') this.counts.oversizedEntries++;
      else this.counts.corruptEntries++;
    });
    events.on('cache:not-stored', () => this.counts.notStored++);
  }

  snapshot(): ValueStats {
    return { ...this.counts };
  }

  reset(): void {
    this.counts = emptyValueStats();
  }
}

function emptyValueStats(): ValueStats {
  return { oversizedEntries: 0, corruptEntries: 0, notStored: 0 };
}
