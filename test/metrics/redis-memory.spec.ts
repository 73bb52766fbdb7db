// Redis's memory and evictions in stats() and metrics(): used_memory, maxmemory, the policy,
// evicted_keys and expired_keys, read at the stats flush (per master on a Cluster, where the fleet
// hot keys are checked too); nothing, and one line said, when the Redis user may not run INFO.
// Real Redis servers of their own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';
import { eventually, sleep } from '../support/eventually.js';
import { LogCapture } from '../support/log-capture.js';
import { rawRedis } from '../support/raw-redis.js';
import { RedisClusterHarness } from '../support/redis-cluster.js';
import { RedisServer } from '../support/redis-server.js';

describe('stats().memory on a single server', () => {
  let server: RedisServer;
  let app: CacheApp;
  beforeAll(async () => {
    server = await RedisServer.start({
      args: ['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-lru'],
    });
    app = await createCacheApp({
      cache: { url: server.url, stats: { flushInterval: '100ms' }, compression: false },
    });
  });
  afterAll(async () => {
    await app.close();
    await server.dispose();
  });

  it('reports used_memory, maxmemory and the policy, as of the last stats flush', async () => {
    const memory = await eventually(
      () => app.cache.stats().memory,
      (read) => read !== undefined,
      { what: 'a memory reading' },
    );
    expect(memory).toMatchObject({
      maxmemory: 4 * 1024 * 1024,
      maxmemoryPolicy: 'allkeys-lru',
      nodes: [{ maxmemory: 4 * 1024 * 1024, maxmemoryPolicy: 'allkeys-lru' }],
    });
    expect(memory!.usedMemory).toBeGreaterThan(0);
    expect(memory!.nodes[0].node).toBeUndefined();
    expect(Date.now() - memory!.readAt).toBeLessThan(5_000);
  });

  it('counts the keys Redis evicted and expired', async () => {
    await app.cache.set('brief', 'x', { ttl: '20ms' });
    // Redis's own expiry (PX); the read expires it, if Redis did not yet.
    await eventually(
      () => app.cache.get('brief'),
      (value) => value === undefined,
      { what: 'the brief entry expired' },
    );
    // 6 MiB into a 4 MiB Redis: allkeys-lru evicts.
    const value = 'y'.repeat(100_000);
    for (let i = 0; i < 60; i++) await app.cache.set(`fill:${i}`, value);
    const memory = await eventually(
      () => app.cache.stats().memory,
      (read) => read !== undefined && read.evictedKeys > 0 && read.expiredKeys > 0,
      { what: 'evictions and expirations' },
    );
    expect(memory!.usedMemory).toBeLessThanOrEqual(memory!.maxmemory * 1.2);
  });

  it('exposes them in metrics()', async () => {
    const text = await app.cache.metrics();
    const ns = `namespace="${app.namespace}"`;
    expect(text).toMatch(new RegExp(`redis_used_memory_bytes\\{${ns}\\} \\d+`));
    expect(text).toContain(`redis_maxmemory_bytes{${ns}} 4194304`);
    expect(text).toContain(`redis_maxmemory_policy{${ns},policy="allkeys-lru"} 1`);
    expect(text).toMatch(new RegExp(`redis_evicted_keys_total\\{${ns}\\} [1-9]\\d*`));
    expect(text).toMatch(new RegExp(`redis_expired_keys_total\\{${ns}\\} [1-9]\\d*`));
  });
});

describe('stats().memory when the Redis user may not run INFO', () => {
  const logs = new LogCapture();
  let server: RedisServer;
  let app: CacheApp;
  beforeAll(async () => {
    server = await RedisServer.start();
    const admin = rawRedis(server.url);
    await admin.call('ACL', 'SETUSER', 'app', 'on', '>secret', '~*', '&*', '+@all', '-info');
    admin.disconnect();
    const url = server.url.replace('redis://', 'redis://app:secret@');
    app = await createCacheApp({ cache: { url, stats: { flushInterval: '50ms' } }, logs });
  });
  afterAll(async () => {
    await app.close();
    logs.restore();
    await server.dispose();
  });

  it('has no memory, says so once, and keeps caching', async () => {
    await app.cache.set('k', 'v');
    await sleep(300); // several flushes
    await app.cache.metrics();
    expect(await app.cache.get('k')).toBe('v');
    expect(app.cache.stats().memory).toBeUndefined();
    expect(await app.cache.metrics()).not.toContain('redis_used_memory_bytes');
    const said = logs.entries.filter((entry) => entry.message.includes('does not allow INFO'));
    expect(said).toHaveLength(1);
    expect(said[0].message).toContain('memory, evictions');
    expect(app.cache.stats().redis.available).toBe(true);
  });
});

describe('stats().memory on a Redis Cluster', () => {
  let cluster: RedisClusterHarness;
  let app: CacheApp;
  beforeAll(async () => {
    cluster = await RedisClusterHarness.start(3);
    app = await createCacheApp({
      cache: { cluster: { nodes: cluster.nodes }, stats: { flushInterval: '100ms' } },
    });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await cluster?.dispose();
  });

  it('reports each master, and their sums', async () => {
    const memory = await eventually(
      () => app.cache.stats().memory,
      (read) => read !== undefined,
      { what: 'a memory reading' },
    );
    const ports = cluster.nodes.map((node) => `127.0.0.1:${node.port}`).sort();
    expect(memory!.nodes.map((node) => node.node).sort()).toEqual(ports);
    expect(memory!.usedMemory).toBe(memory!.nodes.reduce((sum, node) => sum + node.usedMemory, 0));
    const text = await app.cache.metrics();
    for (const port of ports)
      expect(text).toContain(
        `redis_used_memory_bytes{namespace="${app.namespace}",node="${port}"}`,
      );
  });

  it('keeps the fleet hot keys there too (one hash, merged by a script)', async () => {
    await app.cache.set('popular', 1);
    for (let i = 0; i < 20; i++)
      await Promise.all(Array.from({ length: 100 }, () => app.cache.get('popular')));
    const fleet = await app.cache.stats({ scope: 'cluster' });
    expect(fleet.hotKeys[0]).toMatchObject({ key: 'popular', hitRatio: 1 });
    expect(fleet.memory!.nodes).toHaveLength(3);
    await app.cache.clear();
  });
});
