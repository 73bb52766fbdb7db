// Per-key order with two worker instances on one queue: whichever instance runs a key's job,
// the persister sees that key's writes in the order they were made — every write without
// coalescing, an increasing subsequence ending with the last write with it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCacheApp, uniqueNamespace, type CacheApp } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import type { WriteBehindJobInfo } from '../../lib/index.js';

const KEYS = 8;
const WRITES_PER_KEY = 25;
const workers: CacheApp[] = [];
let producer: CacheApp;
/** What each worker instance persisted: key -> values in persist order. */
const persisted = new Map<string, number[]>();
const persistedBy = [0, 0];

beforeAll(async () => {
  const namespace = uniqueNamespace('wb-order');
  const writeBehind = { blockTime: '50ms', claimIdle: '2s', concurrency: 4 } as const;
  for (const index of [0, 1]) {
    const worker = await createCacheApp({ cache: { namespace, writeBehind } });
    worker.cache.writeBehindQueue.registerWriter('rows', async (value, job: WriteBehindJobInfo) => {
      // Random persist times: without per-key ordering, later writes would overtake earlier ones.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 6));
      const list = persisted.get(job.key) ?? [];
      list.push(value as number);
      persisted.set(job.key, list);
      persistedBy[index]++;
    });
    workers.push(worker);
  }
  producer = await createCacheApp({ cache: { namespace, writeBehind: { worker: false } } });
  producer.cache.writeBehindQueue.registerWriter('rows', () => undefined);
});

afterAll(async () => {
  await Promise.all([producer, ...workers].map((app) => app.close()));
});

function interleavedWrites(coalesce: boolean, prefix: string): Promise<void[]> {
  // Writes to different keys interleave; writes to one key are made one after the other.
  return Promise.all(
    Array.from({ length: KEYS }, async (_, k) => {
      for (let n = 1; n <= WRITES_PER_KEY; n++)
        await producer.cache.writeBehind(`${prefix}:${k}`, n, 'rows', { coalesce });
    }),
  );
}

it('applies every write of a key in order across two worker instances (coalesce: false)', async () => {
  await interleavedWrites(false, 'exact');
  const keys = Array.from({ length: KEYS }, (_, k) => `exact:${k}`);
  await eventually(
    () => keys.reduce((sum, key) => sum + (persisted.get(key)?.length ?? 0), 0),
    (n) => n === KEYS * WRITES_PER_KEY,
  );
  const inOrder = Array.from({ length: WRITES_PER_KEY }, (_, i) => i + 1);
  for (const key of keys) expect(persisted.get(key)).toEqual(inOrder);
  // Both instances did part of the work.
  expect(persistedBy[0]).toBeGreaterThan(0);
  expect(persistedBy[1]).toBeGreaterThan(0);
});

it('never applies an older value after a newer one when bursts are coalesced', async () => {
  await interleavedWrites(true, 'merged');
  const keys = Array.from({ length: KEYS }, (_, k) => `merged:${k}`);
  await eventually(
    () => keys.map((key) => persisted.get(key)?.at(-1)),
    (last) => last.every((value) => value === WRITES_PER_KEY),
  );
  for (const key of keys) {
    const values = persisted.get(key)!;
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(values).size).toBe(values.length);
  }
  const stats = await producer.cache.writeBehindQueue.stats();
  expect(stats.queue.depth).toBe(0);
});
