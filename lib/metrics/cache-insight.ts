// What the cache shows of its keys and of Redis beyond hits and misses: the hot keys (this
// process's and the fleet's), the big keys and the entry size histogram, and Redis's memory and
// evictions. One object per cache; the read path reaches it only through the event bus's tallies
// (reads for the hot keys, entries encoded and read for the big keys); the stats flush sends and
// reads what lives in Redis.
import type { CacheEvents } from '../events/cache-event-bus.js';
import type { KeySpace } from '../keys/key-space.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import { BigKeys, type BigKeysSnapshot } from './big-keys.js';
import { FleetHotKeys } from './fleet-hot-keys.js';
import { HotKeys, type HotKey } from './hot-keys.js';
import { RedisMemoryReader, type RedisMemoryStats } from './redis-memory-stats.js';

export interface CacheInsightSnapshot {
  /** The most read keys (estimated from a sample of reads), hottest first. */
  hotKeys: HotKey[];
  /** The largest entries written and read by this process. */
  bigKeys: BigKeysSnapshot;
  /** Redis's memory and evictions at the last stats flush; undefined before it or without INFO. */
  memory?: RedisMemoryStats;
}

export class CacheInsight {
  readonly hotKeys: HotKeys;
  readonly bigKeys: BigKeys;
  readonly memory: RedisMemoryReader;
  private readonly fleet: FleetHotKeys;

  /** `handler`: the HTTP handler of the request being served, if any. */
  constructor(
    events: CacheEvents,
    private readonly connection: RedisConnection,
    keys: KeySpace,
    handler: () => string | undefined,
  ) {
    this.hotKeys = new HotKeys(events);
    this.bigKeys = new BigKeys(events, handler);
    this.memory = new RedisMemoryReader(connection);
    this.fleet = new FleetHotKeys(connection, keys.internal('stats', 'hot-keys'));
  }

  snapshot(): CacheInsightSnapshot {
    const memory = this.memory.snapshot();
    return {
      hotKeys: this.hotKeys.top(),
      bigKeys: this.bigKeys.snapshot(),
      ...(memory ? { memory } : {}),
    };
  }

  /** The fleet's view: its hot keys, and Redis's memory as last read. */
  async fleetSnapshot(): Promise<Pick<CacheInsightSnapshot, 'hotKeys' | 'memory'>> {
    const memory = this.memory.snapshot();
    return { hotKeys: await this.fleet.top(), ...(memory ? { memory } : {}) };
  }

  /** At the stats flush: sends the hot keys' reads, reads Redis's memory. Never rejects. */
  async flush(): Promise<void> {
    await Promise.all([this.memory.refresh(), this.sendHotKeys()]);
  }

  reset(): void {
    this.hotKeys.reset();
    this.bigKeys.reset();
  }

  private async sendHotKeys(): Promise<void> {
    const deltas = this.hotKeys.drainUnsent();
    if (deltas.length === 0) return;
    if (!this.connection.health.usable()) {
      this.hotKeys.restoreUnsent(deltas);
      return;
    }
    try {
      await this.fleet.send(deltas);
    } catch {
      // Kept for the next flush, as the hit counts are; outages are the connection's to report.
      this.hotKeys.restoreUnsent(deltas);
    }
  }
}
