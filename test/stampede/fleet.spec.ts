// Stampede protection across a fleet: four real Node processes, each a Nest app on the same
// Redis and namespace. Origin calls are counted with an INCR in Redis, whichever process runs
// the factory.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedRedisUrl, uniqueNamespace } from '../support/cache-app.js';
import { CHILD_START_TIMEOUT_MS, NodeChild, type ChildMessage } from '../support/child-process.js';
import { rawRedis } from '../support/raw-redis.js';

const FIXTURE = 'test/stampede/fixtures/stampede-node.ts';
const namespace = uniqueNamespace('fleet');
let nodes: NodeChild[] = [];
let redis: Redis;

function counterKey(): string {
  return `${namespace}-runs-${randomBytes(4).toString('hex')}`;
}

async function startNodes(counter: string, count: number): Promise<NodeChild[]> {
  const started = Array.from({ length: count }, () =>
    NodeChild.start(FIXTURE, {
      REDIS_URL: sharedRedisUrl(),
      CACHE_NAMESPACE: namespace,
      COUNTER_KEY: counter,
    }),
  );
  await Promise.all(started.map((node) => node.waitFor('ready', CHILD_START_TIMEOUT_MS)));
  return started;
}

const runsOf = async (counter: string) => Number((await redis.get(counter)) ?? 0);
const doneFor = (node: NodeChild, key: string, timeoutMs = 15_000) =>
  node.waitFor('burst-done', timeoutMs, (m: ChildMessage) => m.key === key);

let counter: string;
beforeAll(async () => {
  redis = rawRedis(sharedRedisUrl());
  counter = counterKey();
  nodes = await startNodes(counter, 4);
});
afterAll(async () => {
  await Promise.all(nodes.map((node) => node.kill()));
  await redis.quit();
});

describe('distributed single flight', () => {
  it('4 processes × 250 concurrent calls on one cold key run the factory exactly once', async () => {
    const key = 'cold';
    const before = await runsOf(counter);
    for (const node of nodes) node.send({ type: 'burst', key, calls: 250, factoryMs: 300 });
    const results = await Promise.all(nodes.map((node) => doneFor(node, key)));

    expect((await runsOf(counter)) - before).toBe(1);
    // Every one of the 1000 calls got the value of that single run, none failed.
    const runs = new Set(results.flatMap((r) => r.runs as number[]));
    expect(runs.size).toBe(1);
    expect(results.every((r) => r.errors === 0)).toBe(true);
    // Three processes found the lock taken and waited for the fourth's value.
    const waits = results.map((r) => (r.stats as { lockWaits: number }).lockWaits);
    expect(waits.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('a hot key under steady load never goes missing and is recomputed about once per TTL', async () => {
    const key = 'hot';
    const options = { ttl: '2s', earlyRecompute: 2 };
    const message = {
      type: 'load',
      key,
      options,
      factoryMs: 50,
      everyMs: 10,
      durationMs: 5_000,
      warmupMs: 500,
    };
    for (const node of nodes) node.send(message);
    await Promise.all(nodes.map((node) => node.waitFor('warm', 5_000)));
    const runsAtWarm = await runsOf(counter);
    const results = await Promise.all(nodes.map((node) => node.waitFor('load-done', 10_000)));
    const runsDuringLoad = (await runsOf(counter)) - runsAtWarm;

    const hits = results.reduce((sum, r) => sum + (r.hits as number), 0);
    const misses = results.reduce((sum, r) => sum + (r.misses as number), 0);
    expect(misses).toBe(0);
    expect(hits).toBeGreaterThan(400);
    // 4.5 s of load with a 2 s TTL: a refresh a few hundred ms before each expiry, 2 or 3 runs.
    expect(runsDuringLoad).toBeGreaterThanOrEqual(2);
    expect(runsDuringLoad).toBeLessThanOrEqual(5);
    const early = results.reduce(
      (sum, r) => sum + (r.stampede as { earlyRecomputations: number }).earlyRecomputations,
      0,
    );
    expect(early).toBe(runsDuringLoad);
    console.info(
      `[fleet] hot key: ${runsDuringLoad} factory runs in 4.5 s (TTL 2 s), ${hits} hits, 0 misses`,
    );
  }, 20_000);

  it('when the lock holder is killed mid-factory, another process takes over after the lease', async () => {
    const key = 'orphaned';
    const options = { lock: { lease: '1s' } };
    const [victim, ...survivors] = nodes;
    const before = await runsOf(counter);
    victim.send({ type: 'burst', key, calls: 10, factoryMs: 60_000, options });
    await victim.waitFor('factory-started', 5_000, (m) => m.key === key);
    for (const node of survivors)
      node.send({ type: 'burst', key, calls: 250, factoryMs: 200, options });
    // Let the survivors find the lock taken and start waiting, then kill the holder.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await victim.kill('SIGKILL');
    const killedAt = Date.now();
    nodes = survivors;

    const results = await Promise.all(survivors.map((node) => doneFor(node, key)));
    const finishedAfterKill = Math.max(...results.map((r) => r.at as number)) - killedAt;
    // The dead holder's run and exactly one takeover.
    expect((await runsOf(counter)) - before).toBe(2);
    expect(new Set(results.flatMap((r) => r.runs as number[])).size).toBe(1);
    expect(results.every((r) => r.errors === 0)).toBe(true);
    // Blocked no longer than the lease (1 s) plus the takeover's 200 ms factory, with slack.
    expect(finishedAfterKill).toBeLessThan(2_500);
    console.info(`[fleet] killed holder: all calls done ${finishedAfterKill} ms after SIGKILL`);
  });
});

describe('a factory that never settles', () => {
  it('with hardTimeout, its lock goes when the timeout fires: another process computes at once', async () => {
    const key = 'hangs-with-hard-timeout';
    const [holder, waiter, later] = nodes;
    const before = await runsOf(counter);
    holder.send({ type: 'burst', key, calls: 1, factoryMs: null, options: { hardTimeout: '1s' } });
    await holder.waitFor('factory-started', 5_000, (m) => m.key === key);
    // One process waits for the hung holder; another asks only after the holder gave up.
    waiter.send({ type: 'burst', key, calls: 5, factoryMs: 100 });
    const gaveUp = await doneFor(holder, key);
    later.send({ type: 'burst', key, calls: 5, factoryMs: 100 });
    const [waited, asked] = await Promise.all([doneFor(waiter, key), doneFor(later, key)]);

    expect(gaveUp.errors).toBe(1); // CacheFactoryTimeoutError after 1 s
    expect([waited.errors, asked.errors]).toEqual([0, 0]);
    // The hung run and one more, whose value both processes got: not a wait of lock.wait (10 s).
    expect((await runsOf(counter)) - before).toBe(2);
    expect(new Set([...(waited.runs as number[]), ...(asked.runs as number[])]).size).toBe(1);
    const doneAfterTimeout =
      Math.max(waited.at as number, asked.at as number) - (gaveUp.at as number);
    expect(doneAfterTimeout).toBeLessThan(3_000);
    console.info(
      `[fleet] hung holder, hardTimeout 1 s: others done ${doneAfterTimeout} ms after it`,
    );
  });

  it('without hardTimeout, its lease is renewed up to lock.maxHold only: then another process takes over', async () => {
    const key = 'hangs-past-max-hold';
    const [holder, other] = nodes;
    const options = { lock: { lease: '300ms', maxHold: '1s' } };
    const before = await runsOf(counter);
    holder.send({ type: 'burst', key, calls: 1, factoryMs: null, options });
    const started = await holder.waitFor('factory-started', 5_000, (m) => m.key === key);
    const startedAt = Date.now();
    other.send({ type: 'burst', key, calls: 5, factoryMs: 100, options });
    const took = await doneFor(other, key);

    expect(took.errors).toBe(0);
    expect(took.runs).toEqual([(started.run as number) + 1]);
    expect((await runsOf(counter)) - before).toBe(2);
    // The lock ran out 1 s after it was taken (its 300 ms lease renewed until then, no further),
    // not after lock.wait (10 s).
    const tookOverAfter = (took.at as number) - startedAt;
    expect(tookOverAfter).toBeLessThan(4_000);
    console.info(`[fleet] hung holder, maxHold 1 s: taken over ${tookOverAfter} ms after it began`);
  });
});
