// Hot keys (process and fleet), big keys, the entry size histogram, Redis memory and evictions.
// The read path reaches it only through the bus's tallies; the stats flush does the Redis I/O.
import type { CacheEvents } from '../events/cache-event-bus.js';
import type { KeySpace } from '../keys/key-space.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import { BigKeys, type BigKeysSnapshot } from './big-keys.js';
import { FleetHotKeys, HotKeys, type HotKey } from './hot-keys.js';
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
  private readonly hotKeys: HotKeys;
  readonly bigKeys: BigKeys;
  private readonly memory: RedisMemoryReader;
  private readonly fleet: FleetHotKeys;

  constructor(
    events: CacheEvents,
    connection: RedisConnection,
    keys: KeySpace,
    handler: () => string | undefined,
  ) {
    this.hotKeys = new HotKeys(events);
    this.bigKeys = new BigKeys(events, handler);
    this.memory = new RedisMemoryReader(connection);
    this.fleet = new FleetHotKeys(connection, keys.internal('stats', 'hot-keys'));
  }

  snapshot(): CacheInsightSnapshot {
    return {
      hotKeys: this.hotKeys.top(),
      bigKeys: this.bigKeys.snapshot(),
      ...this.memoryIfRead(),
    };
  }

  /** The fleet's view: its hot keys, and Redis's memory as last read. */
  async fleetSnapshot(): Promise<Pick<CacheInsightSnapshot, 'hotKeys' | 'memory'>> {
    return { hotKeys: await this.fleet.top(), ...this.memoryIfRead() };
  }

  /** At the stats flush: sends the hot keys' reads, reads Redis's memory. Never rejects. */
  async flush(): Promise<void> {
    await Promise.all([this.memory.refresh(), this.hotKeys.flush(this.fleet)]);
  }

  reset(): void {
    this.hotKeys.reset();
    this.bigKeys.reset();
  }

  private memoryIfRead(): { memory?: RedisMemoryStats } {
    const memory = this.memory.snapshot();
    return memory ? { memory } : {};
  }
}
