// stats().stampede: counters of the origin protection (locks, stale serving, fail-safe, timeouts,
// early recomputation), counted from the events the lookup announces.
import { CacheEvents } from '../events/cache-event-bus.js';
import { emptyStampedeStats, type StampedeStats } from '../stampede/stampede-stats.js';

export class StampedeCounters {
  private counts: StampedeStats = emptyStampedeStats();

  constructor(events: CacheEvents) {
    events.on('cache:lock-wait', () => this.counts.lockWaits++);
    events.on('cache:lock-timeout', () => this.counts.lockTimeouts++);
    events.tally({ staleHit: () => this.counts.staleServed++ });
    events.on('cache:factory-error', (failure) => {
      if (failure.failSafe) this.counts.failSafe++;
    });
    events.on('cache:factory-timeout', (timeout) => {
      if (timeout.hard && !timeout.failSafe) this.counts.factoryTimeouts++;
      if (timeout.hard && timeout.failSafe) this.counts.failSafe++;
    });
    events.on('cache:early-recompute', () => this.counts.earlyRecomputations++);
  }

  snapshot(): StampedeStats {
    return { ...this.counts };
  }

  reset(): void {
    this.counts = emptyStampedeStats();
  }
}
