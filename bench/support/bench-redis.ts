// The benchmark's own redis-server, on a free port (never the machine's 6379), started with the
// test suite's RedisServer and flushed between scenarios (it holds nothing but benchmark data).
import { Redis } from 'ioredis';
import { RedisServer } from '../../test/support/redis-server.js';
import type { RedisTarget } from './contenders.js';

export interface BenchRedis extends RedisTarget {
  admin: Redis;
  flush(): Promise<void>;
  /** UNLINKs the keys matching a pattern (SCAN), leaving other keys (e.g. queues) alone. */
  unlinkMatching(pattern: string): Promise<void>;
  dispose(): Promise<void>;
}

export async function startBenchRedis(): Promise<BenchRedis> {
  // The memory settings docs/operations.md recommends when write-behind shares the Redis
  // (volatile-lru: entries have a TTL, the queue has none); far above what a run stores, so
  // nothing is evicted, and the library has no memory-policy warning to print.
  const server = await RedisServer.start({
    args: ['--maxmemory', '8gb', '--maxmemory-policy', 'volatile-lru'],
  });
  if (server.port === 6379) throw new Error('refusing to benchmark on port 6379');
  const admin = new Redis(server.url);
  return {
    url: server.url,
    host: '127.0.0.1',
    port: server.port,
    admin,
    flush: async () => void (await admin.flushall()),
    unlinkMatching: async (pattern) => {
      for await (const keys of admin.scanStream({ match: pattern, count: 1000 }) as AsyncIterable<
        string[]
      >)
        if (keys.length > 0) await admin.unlink(...keys);
    },
    dispose: async () => {
      admin.disconnect();
      await server.dispose();
    },
  };
}
