// The sharded write-behind queue on a real Redis Cluster (three masters): the default 8 shards
// spread over the masters, and every guarantee of the single-node queue holds across them —
// per-key order with two workers, coalescing, retries and dead letters (listed, paged, retried and
// purged over every shard), takeover of a job whose worker went away.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RedisCacheModuleOptions, WriteBehindJobInfo } from '../../lib/index.js';
import { createCacheApp, uniqueNamespace, type CacheApp } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import { RedisClusterHarness } from '../support/redis-cluster.js';

const FAST: RedisCacheModuleOptions['writeBehind'] = {
  blockTime: '50ms',
  claimIdle: '600ms',
  delay: 0,
  backoff: { base: '20ms', max: '100ms' },
};

let cluster: RedisClusterHarness;
const apps: CacheApp[] = [];

beforeAll(async () => {
  cluster = await RedisClusterHarness.start();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});
afterAll(async () => {
  await cluster?.dispose();
});

async function instance(
  namespace: string,
  writeBehind: RedisCacheModuleOptions['writeBehind'] = FAST,
): Promise<CacheApp> {
  const app = await createCacheApp({
    cache: { cluster: { nodes: cluster.nodes }, namespace, writeBehind },
  });
  apps.push(app);
  return app;
}

/** Per node, the queue's shard tags it holds. */
async function shardsPerNode(namespace: string): Promise<string[][]> {
  return Promise.all(
    cluster.servers.map(async (_, i) => {
      const node = cluster.node(i);
      try {
        const keys = (await node.call('KEYS', `${namespace}~wb*`)) as string[];
        return [...new Set(keys.map((key) => key.slice(0, key.indexOf('}') + 1)))];
      } finally {
        node.disconnect();
      }
    }),
  );
}

describe('sharded write-behind on Redis Cluster', () => {
  it('spreads 8 shards over the masters and keeps every key in order across two workers', async () => {
    const namespace = uniqueNamespace('cl-wb');
    const [a, b] = await Promise.all([instance(namespace), instance(namespace)]);
    const persisted = new Map<string, number[]>();
    const record = async (value: unknown, job: WriteBehindJobInfo) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      persisted.set(job.key, [...(persisted.get(job.key) ?? []), (value as { n: number }).n]);
    };
    a.cache.writeBehindQueue.registerWriter('orders', record);
    b.cache.writeBehindQueue.registerWriter('orders', record);

    const KEYS = 40;
    const WRITES = 10;
    for (let n = 0; n < WRITES; n++) {
      await Promise.all(
        Array.from({ length: KEYS }, (_, k) =>
          (k % 2 ? a : b).cache.writeBehind(`order:${k}`, { n }, 'orders', { coalesce: false }),
        ),
      );
    }
    const spread = await shardsPerNode(namespace);
    expect(new Set(spread.flat()).size).toBe(8);
    expect(spread.filter((tags) => tags.length > 0).length).toBeGreaterThanOrEqual(2);

    await eventually(
      () => [...persisted.values()].reduce((sum, values) => sum + values.length, 0),
      (total) => total === KEYS * WRITES,
      { timeoutMs: 20_000, what: 'every write persisted' },
    );
    for (let k = 0; k < KEYS; k++)
      expect(persisted.get(`order:${k}`)).toEqual(Array.from({ length: WRITES }, (_, n) => n));
    const stats = await a.cache.writeBehindQueue.stats();
    expect(stats.queue).toMatchObject({ depth: 0, pending: 0, delayed: 0, deadLetters: 0 });
  });

  it('coalesces a burst to one key into far fewer calls; the last value wins', async () => {
    const namespace = uniqueNamespace('cl-wb-burst');
    const app = await instance(namespace, { ...FAST, delay: '50ms' });
    const calls: { key: string; value: unknown; writes: number }[] = [];
    app.cache.writeBehindQueue.registerWriter('counter', (value, job) => {
      calls.push({ key: job.key, value, writes: job.writes });
    });
    for (let v = 1; v <= 300; v++) await app.cache.writeBehind('counter:1', { v }, 'counter');
    await eventually(
      () => calls.at(-1)?.value,
      (value) => (value as { v: number } | undefined)?.v === 300,
    );
    expect(calls.length).toBeLessThan(30);
    expect(calls.reduce((sum, call) => sum + call.writes, 0)).toBe(300);
  });

  it('dead-letters failures in every shard; lists them oldest first, pages, retries and purges', async () => {
    const namespace = uniqueNamespace('cl-wb-dead');
    const app = await instance(namespace, { ...FAST, maxAttempts: 2 });
    const queue = app.cache.writeBehindQueue;
    let failing = true;
    const attempts: Record<string, number[]> = {};
    queue.registerWriter('flaky', (_value, job) => {
      (attempts[job.key] ??= []).push(job.attempt);
      if (failing) throw new Error(`database down for ${job.key}`);
    });
    const keys = Array.from({ length: 12 }, (_, i) => `bad:${i}`);
    for (const key of keys) await app.cache.writeBehind(key, { key }, 'flaky');
    const letters = await eventually(
      () => queue.deadLetters(),
      (list) => list.length === keys.length,
      { timeoutMs: 15_000, what: 'every job dead-lettered' },
    );
    expect(new Set(letters.map((letter) => letter.key))).toEqual(new Set(keys));
    for (const letter of letters) {
      expect(letter).toMatchObject({ writer: 'flaky', attempts: 2 });
      expect(letter.error).toBe(`database down for ${letter.key}`);
      expect(attempts[letter.key]).toEqual([1, 2]);
    }
    const failedAt = letters.map((letter) => letter.failedAt.getTime());
    expect([...failedAt].sort((x, y) => x - y)).toEqual(failedAt);
    expect(letters.some((letter) => letter.id.includes('@'))).toBe(true); // past shard 0

    // Paged 5 at a time, the pages add up to the whole list, in order, without repeats.
    const paged = [];
    for (let after: string | undefined; ;) {
      const page = await queue.deadLetters({ count: 5, after });
      if (page.length === 0) break;
      paged.push(...page);
      after = page.at(-1)!.id;
    }
    expect(paged.map((letter) => letter.id)).toEqual(letters.map((letter) => letter.id));

    failing = false;
    expect(await queue.retry(letters[3].id)).toBe(true);
    expect(await queue.retry(letters[3].id)).toBe(false);
    await eventually(
      () => attempts[letters[3].key].length,
      (n) => n === 3,
    );
    expect(attempts[letters[3].key]).toEqual([1, 2, 1]);
    expect(await queue.purge(letters[0].id)).toBe(1);
    expect(await queue.purge()).toBe(keys.length - 2);
    expect(await queue.deadLetters()).toEqual([]);
  });

  it('takes over a job whose worker went away mid-call, counting that claim as an attempt', async () => {
    const namespace = uniqueNamespace('cl-wb-takeover');
    const first = await instance(namespace, { ...FAST, drainTimeout: 0 });
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    first.cache.writeBehindQueue.registerWriter('slow', () => {
      started();
      return new Promise<void>(() => undefined); // never finishes: the worker "hangs"
    });
    await first.cache.writeBehind('stuck:1', { v: 1 }, 'slow');
    await running;
    await first.close(); // stops heartbeating; the job stays delivered to it
    apps.splice(apps.indexOf(first), 1);

    const second = await instance(namespace);
    const seen: WriteBehindJobInfo[] = [];
    second.cache.writeBehindQueue.registerWriter('slow', (_value, job) => {
      seen.push(job);
    });
    await eventually(
      () => seen.length,
      (n) => n === 1,
      { timeoutMs: 10_000, what: 'the job taken over' },
    );
    expect(seen[0]).toMatchObject({ key: 'stuck:1', attempt: 2 });
  });
});
