// The hottest keys of every instance on a namespace: each instance adds the reads of its hottest
// keys since its last flush to one Redis hash (a Space-Saving summary of FLEET_CAPACITY keys,
// merged by a Lua script, so the hash never grows past that), at the stats flush, never per
// lookup. Reading it is one HGETALL.
import { LuaScript } from '../redis/lua-script.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import { HOT_KEYS_REPORTED, type HotKey, type HotKeyDelta } from './hot-keys.js';
import { HeavyHitter } from './space-saving.js';
import { toHotKey } from './hot-keys.js';

/** Keys the fleet summary tracks: well above what one instance sends per flush. */
const FLEET_CAPACITY = 256;

const merge = LuaScript.load('hot-keys-merge');

export class FleetHotKeys {
  constructor(
    private readonly connection: RedisConnection,
    private readonly hashKey: string,
  ) {}

  /** Adds reads to the summary; rejects when Redis cannot be written (the caller keeps them). */
  async send(deltas: readonly HotKeyDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    const args: (string | number)[] = [FLEET_CAPACITY];
    for (const { key, reads, hits } of deltas) args.push(key, reads, hits);
    await merge.run(this.connection.client, [this.hashKey], args);
  }

  /** The hottest keys of the fleet, hottest first. */
  async top(n = HOT_KEYS_REPORTED): Promise<HotKey[]> {
    const hash = await this.connection.client.hgetall(this.hashKey);
    const counters: HeavyHitter[] = [];
    for (const [key, value] of Object.entries(hash)) {
      const [reads, hits, error] = value.split(':').map(Number);
      if (![reads, hits, error].every(Number.isFinite)) continue; // written by a newer version
      counters.push(Object.assign(new HeavyHitter(), { key, count: reads, hits, error }));
    }
    return counters
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, n)
      .map(toHotKey);
  }
}
