// Jobs an earlier version queued under its keys outside the namespace (`{ns~wb}…`) are not read by
// this one: an instance that runs write-behind says so once at startup, with how many there are;
// it says nothing when there are none. Real Redis; the earlier queue is laid out as it wrote it.
import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WriteBehind } from '../../lib/index.js';
import { createCacheApp, uniqueNamespace, type CacheApp } from '../support/cache-app.js';
import { LogCapture } from '../support/log-capture.js';
import { rawRedis } from '../support/raw-redis.js';

@Injectable()
class Orders {
  @WriteBehind({ key: 'order:{0}' })
  async save(_id: number): Promise<void> {}
}

const logs = new LogCapture();
let redis: Redis;
const apps: CacheApp[] = [];

beforeAll(() => {
  redis = rawRedis();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  logs.restore();
});
afterAll(() => redis.disconnect());

/** Starts an instance with a write-behind writer (a @WriteBehind method); resolves to its warnings. */
async function startupWarnings(namespace: string): Promise<string[]> {
  logs.clear();
  const app = await createCacheApp({
    cache: { namespace, writeBehind: { worker: false } },
    providers: [Orders],
    logs,
  });
  apps.push(app);
  return logs.of('warn').map((entry) => entry.message);
}

describe('a write-behind queue left by an earlier version', () => {
  it('is reported once at startup, with its pending jobs and dead letters', async () => {
    const namespace = uniqueNamespace();
    // Shard 0 and shard 3 of the earlier layout: 2 + 1 jobs waiting, 1 dead letter.
    await redis.hset(`{${namespace}~wb}:meta`, 'depth', 2);
    await redis.hset(`{${namespace}~wb~3}:meta`, 'depth', 1);
    await redis.xadd(`{${namespace}~wb}:dead`, '*', 'k', 'order:1', 'h', '{}', 'd', '1');
    try {
      const warnings = await startupWarnings(namespace);
      const earlier = warnings.filter((line) => line.includes(`{${namespace}~wb}`));
      expect(earlier).toHaveLength(1);
      expect(earlier[0]).toContain('3 job(s) and 1 dead letter(s)');
      expect(earlier[0]).toContain('Upgrading the write-behind queue');
    } finally {
      await redis.del(
        `{${namespace}~wb}:meta`,
        `{${namespace}~wb~3}:meta`,
        `{${namespace}~wb}:dead`,
      );
    }
  });

  it('says nothing when there is none', async () => {
    const warnings = await startupWarnings(uniqueNamespace());
    expect(warnings.filter((line) => line.includes('earlier version'))).toEqual([]);
  });
});
