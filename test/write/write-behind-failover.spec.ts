// Failover without loss, measured: write-behind under load (20 concurrent callers on an API-only
// instance, a worker instance persisting into a record the test reads) while the Redis primary
// holding part of the queue is killed with SIGKILL, on a 3+3 Cluster (cluster-node-timeout 2 s)
// and behind Sentinel. With `durability: { replicas: 1 }` no acknowledged job may be lost; without
// it, jobs the primary acknowledged but had not replicated yet can be. Each run prints its figures
// (acknowledged vs persisted, calls failed or rejected, seconds until calls queue again).
import calculateSlot from 'cluster-key-slot';
import { afterAll, describe, expect, it } from 'vitest';
import type { RedisCacheModuleOptions, WriteBehindJobInfo } from '../../lib/index.js';
import { createCacheApp, uniqueNamespace, type CacheApp } from '../support/cache-app.js';
import { eventually, sleep } from '../support/eventually.js';
import { RedisClusterHarness } from '../support/redis-cluster.js';
import { RedisSentinelHarness } from '../support/redis-sentinel.js';
import { rawRedis } from '../support/raw-redis.js';
import type { RedisServer } from '../support/redis-server.js';

/** Waits until a restarted server has finished its first sync as a replica. */
async function synced(server: RedisServer): Promise<void> {
  const client = rawRedis(server.url);
  try {
    await eventually(
      () => client.info('replication').catch(() => ''),
      (info) => info.includes('role:slave') && info.includes('master_link_status:up'),
      { timeoutMs: 30_000, intervalMs: 100, what: 'the old primary synced as a replica' },
    );
  } finally {
    client.disconnect();
  }
}

const CALLERS = 20;

interface Figures {
  /** Calls that resolved after queueing their job (not persisted synchronously by the fallback). */
  acknowledged: number;
  /** Of those, jobs the worker persisted. */
  persisted: number;
  lost: number;
  /** Calls that resolved after persisting synchronously (Redis unusable: write-through fallback). */
  failed: number;
  rejected: number;
  fallbacks: number;
  failoverSeconds: number;
  /** From the kill to the last call that failed, was rejected or fell back. */
  resumeSeconds: number;
}

/**
 * Runs the load, calls `fail` (kill + wait for the promotion + restart of the old primary as a
 * replica) 1 s in, keeps the load 2 s past the promotion, then waits for the worker to drain.
 */
async function underFailover(
  connection: Pick<RedisCacheModuleOptions, 'cluster' | 'redis'>,
  writeBehind: RedisCacheModuleOptions['writeBehind'],
  fail: (namespace: string) => Promise<{ tookMs: number }>,
): Promise<Figures> {
  const namespace = uniqueNamespace('wb-failover');
  const persisted = new Set<number>();
  const synchronous = new Set<number>();
  let lastSynchronous = 0;
  const record = async (value: unknown, job: WriteBehindJobInfo) => {
    await sleep(2); // a database write
    const { n } = value as { n: number };
    persisted.add(n);
    if (job.synchronous) {
      synchronous.add(n);
      lastSynchronous = Date.now();
    }
  };
  const options: RedisCacheModuleOptions = {
    ...connection,
    namespace,
    redisTimeouts: { command: '500ms', retryAfter: '200ms' },
  };
  const fast: RedisCacheModuleOptions['writeBehind'] = {
    blockTime: '100ms',
    claimIdle: '2s',
    delay: 0,
    ...writeBehind,
  };
  const apps: CacheApp[] = [];
  try {
    const api = await createCacheApp({
      cache: { ...options, writeBehind: { ...fast, worker: false } },
    });
    apps.push(api);
    const worker = await createCacheApp({
      cache: { ...options, writeBehind: { ...fast, concurrency: 16 } },
    });
    apps.push(worker);
    api.cache.writeBehindQueue.registerWriter('record', record);
    worker.cache.writeBehindQueue.registerWriter('record', record);

    const acknowledged = new Set<number>();
    let failed = 0;
    let rejected = 0;
    let lastFailure = 0;
    let next = 0;
    let stop = false;
    const load = Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (!stop) {
          const n = next++;
          try {
            await api.cache.writeBehind(`item:${n % 200}`, { n }, 'record', { coalesce: false });
            acknowledged.add(n);
          } catch (error) {
            if ((error as { code?: string }).code === 'E_WRITE_BEHIND_NOT_DURABLE') rejected++;
            else failed++;
            lastFailure = Date.now();
            await sleep(20);
          }
        }
      }),
    );
    await sleep(1_000);
    const killedAt = Date.now();
    const { tookMs } = await fail(namespace);
    await sleep(2_000);
    stop = true;
    await load;
    const stats = api.cache.stats().writeBehind!;
    for (const n of synchronous) acknowledged.delete(n);
    // Drained: nothing left queued or running anywhere; what was acknowledged and never
    // persisted by then is lost.
    await eventually(
      async () => (await worker.cache.writeBehindQueue.stats()).queue,
      (queue) => queue.depth === 0 && queue.pending === 0,
      { timeoutMs: 60_000, intervalMs: 200, what: 'the queue drained' },
    );
    await sleep(200);
    const lost = [...acknowledged].filter((n) => !persisted.has(n)).length;
    const lastDisturbance = Math.max(lastFailure, lastSynchronous);
    return {
      acknowledged: acknowledged.size,
      persisted: acknowledged.size - lost,
      lost,
      failed,
      rejected,
      fallbacks: stats.fallbacks,
      failoverSeconds: tookMs / 1000,
      resumeSeconds: lastDisturbance > killedAt ? (lastDisturbance - killedAt) / 1000 : 0,
    };
  } finally {
    await Promise.all(apps.map((app) => app.close()));
  }
}

function report(what: string, figures: Figures): void {
  console.log(`[write-behind failover] ${what}: ${JSON.stringify(figures)}`);
}

describe('write-behind across a Cluster master failover (SIGKILL, cluster-node-timeout 2 s)', () => {
  let cluster: RedisClusterHarness;
  afterAll(async () => {
    await cluster?.dispose();
  });

  /** Kills the master holding the queue's shard 0, waits for its replica, restarts it as a replica. */
  const failShardZero = async (namespace: string) => {
    const slot = calculateSlot(`${namespace}~wb{${namespace}~0}`);
    const result = await cluster.killMasterOfSlotAndWaitForFailover(slot);
    const old = cluster.servers[result.killed];
    await old.start(); // rejoins as a replica of the promoted node
    await synced(old);
    return result;
  };

  it('loses no acknowledged job with durability { replicas: 1 }', async () => {
    cluster = await RedisClusterHarness.start(3, { replicasPerMaster: 1, nodeTimeoutMs: 2_000 });
    const figures = await underFailover(
      { cluster: { nodes: cluster.nodes } },
      { durability: { replicas: 1, timeout: '500ms' } },
      failShardZero,
    );
    report('Cluster, durable', figures);
    expect(figures.acknowledged).toBeGreaterThan(100);
    expect(figures.lost).toBe(0);
    expect(figures.failed).toBe(0);
  }, 120_000);

  it('without durability: every call is acknowledged or persisted at once; losses are measured', async () => {
    const figures = await underFailover({ cluster: { nodes: cluster.nodes } }, {}, failShardZero);
    report('Cluster, not durable', figures);
    expect(figures.acknowledged).toBeGreaterThan(100);
    expect(figures.failed).toBe(0);
    expect(figures.rejected).toBe(0);
  }, 120_000);
});

describe('write-behind across a Sentinel failover (SIGKILL of the primary)', () => {
  let sentinel: RedisSentinelHarness;
  afterAll(async () => {
    await sentinel?.dispose();
  });

  const failPrimary = async () => {
    const old: RedisServer = await sentinel.master();
    const result = await sentinel.killMasterAndWaitForFailover();
    await old.start(); // the sentinels turn it into a replica of the new primary
    await synced(old);
    return result;
  };

  it('loses no acknowledged job with durability { replicas: 1 }', async () => {
    // 2 s, not the harness's 500 ms: while the restarted old primary takes its full sync of the
    // queue under this load, a slow machine can leave the new primary silent for over 500 ms, and
    // the sentinel then fails over a second time, back to the half-synced old primary (seen once
    // in CI on a 2-vCPU machine: "the old primary synced as a replica" never came).
    sentinel = await RedisSentinelHarness.start({ downAfterMs: 2_000 });
    const figures = await underFailover(
      { redis: { sentinels: sentinel.sentinels, name: sentinel.name } },
      { durability: { replicas: 1, timeout: '500ms' } },
      failPrimary,
    );
    report('Sentinel, durable', figures);
    expect(figures.acknowledged).toBeGreaterThan(100);
    expect(figures.lost).toBe(0);
    expect(figures.failed).toBe(0);
  }, 120_000);

  it('without durability: every call is acknowledged or persisted at once; losses are measured', async () => {
    const figures = await underFailover(
      { redis: { sentinels: sentinel.sentinels, name: sentinel.name } },
      {},
      failPrimary,
    );
    report('Sentinel, not durable', figures);
    expect(figures.acknowledged).toBeGreaterThan(100);
    expect(figures.failed).toBe(0);
    expect(figures.rejected).toBe(0);
  }, 120_000);
});
