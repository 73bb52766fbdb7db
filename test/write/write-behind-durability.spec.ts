// writeBehind.durability on a primary + replica the test starts: a durable call resolves only
// once the replica holds its job (WAIT), a replica that does not answer rejects the call (or, with
// onTimeout 'warn', is logged once and counted) while the cache's other commands carry on; without
// durability the primary's acknowledgement is enough and calls resolve whatever the replica does.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisCacheModuleOptions } from '../../lib/index.js';
import { WriteBehindNotDurableError } from '../../lib/errors/errors.js';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import { LogCapture } from '../support/log-capture.js';
import { RedisServer } from '../support/redis-server.js';
import { rawRedis } from '../support/raw-redis.js';

let primary: RedisServer;
let replica: RedisServer;
const apps: CacheApp[] = [];

beforeAll(async () => {
  primary = await RedisServer.start();
  replica = await RedisServer.start({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
  const client = rawRedis(replica.url);
  await eventually(
    () => client.info('replication'),
    (info) => info.includes('master_link_status:up'),
  );
  client.disconnect();
});
afterEach(async () => {
  replica.resume();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});
afterAll(async () => {
  await Promise.all([primary?.dispose(), replica?.dispose()]);
});

async function app(writeBehind: RedisCacheModuleOptions['writeBehind']): Promise<CacheApp> {
  // worker: false keeps the jobs queued, so the test can look for them on the replica.
  const created = await createCacheApp({
    cache: { url: primary.url, writeBehind: { worker: false, ...writeBehind } },
  });
  created.cache.writeBehindQueue.registerWriter('orders', () => undefined);
  apps.push(created);
  return created;
}

const jobsOnReplica = async (namespace: string, key: string) => {
  const client = rawRedis(replica.url);
  try {
    return await client.llen(`${namespace}~wb{${namespace}~0}:jobs:${key}`);
  } finally {
    client.disconnect();
  }
};

describe('writeBehind.durability', () => {
  it('resolves only once the replica holds the job, for lone calls and bursts', async () => {
    const { cache, namespace } = await app({ durability: { replicas: 1, timeout: '2s' } });
    for (let i = 0; i < 20; i++) {
      await cache.writeBehind(`order:${i}`, { i }, 'orders');
      expect(await jobsOnReplica(namespace, `order:${i}`)).toBe(1);
    }
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        cache.writeBehind(`burst:${i}`, { i }, 'orders', { coalesce: false }),
      ),
    );
    const onReplica = await Promise.all(
      Array.from({ length: 200 }, (_, i) => jobsOnReplica(namespace, `burst:${i}`)),
    );
    expect(onReplica.every((n) => n === 1)).toBe(true);
    expect((await cache.writeBehindQueue.stats()).notDurable).toBe(0);
  });

  it('rejects a call the replica did not confirm in time; the job stays queued, other commands carry on', async () => {
    const { cache } = await app({ durability: { replicas: 1, timeout: '300ms' } });
    await cache.set('plain', 1);
    replica.pause();
    const started = Date.now();
    const call = cache.writeBehind('order:late', { v: 1 }, 'orders');
    call.catch(() => undefined);
    // WAIT holds the durable enqueue's own connection only: reads answer meanwhile.
    expect(await cache.get('plain')).toBe(1);
    expect(Date.now() - started).toBeLessThan(300);
    const error = await call.then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).toBeInstanceOf(WriteBehindNotDurableError);
    expect(error).toMatchObject({
      code: 'E_WRITE_BEHIND_NOT_DURABLE',
      key: 'order:late',
      required: 1,
      confirmed: 0,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const stats = await cache.writeBehindQueue.stats();
    expect(stats).toMatchObject({ notDurable: 1, enqueued: 1, queue: { depth: 1 } });
    replica.resume();
  });

  it("with onTimeout 'warn', resolves, logs once per episode and counts", async () => {
    const { cache } = await app({
      durability: { replicas: 1, timeout: '100ms', onTimeout: 'warn' },
    });
    const logs = new LogCapture().attach();
    try {
      replica.pause();
      for (let i = 0; i < 3; i++) await cache.writeBehind(`order:${i}`, { i }, 'orders');
      replica.resume();
      await cache.writeBehind('order:after', {}, 'orders'); // the replica answers again
      expect((await cache.writeBehindQueue.stats()).notDurable).toBe(3);
      const warnings = logs.of('warn').filter((log) => log.message.includes('replica'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0].message).toContain('only 0 of 1 replica(s) confirmed');
      expect(logs.of('log').some((log) => log.message.includes('confirm queued jobs again'))).toBe(
        true,
      );
    } finally {
      logs.restore();
    }
  });

  it('without durability, the primary alone acknowledges: calls resolve while the replica is frozen', async () => {
    const { cache } = await app({});
    replica.pause();
    const started = Date.now();
    for (let i = 0; i < 20; i++) await cache.writeBehind(`order:${i}`, { i }, 'orders');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await cache.writeBehindQueue.stats()).queue.depth).toBe(20);
  });
});
