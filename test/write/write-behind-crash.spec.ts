// Crash safety: a worker process is killed with SIGKILL while persisting; a new worker process
// takes its jobs over (after claimIdle) and every acknowledged write is persisted — counted in
// the persister's own records — in order per key. At least once: the job that was running when
// the process died may be persisted twice, never zero times. A job whose persister kills its own
// process uses up an attempt per claim and ends in the dead letters, unblocking its key.
import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { createCacheApp, sharedRedisUrl, uniqueNamespace } from '../support/cache-app.js';
import { CHILD_START_TIMEOUT_MS, NodeChild } from '../support/child-process.js';
import { eventually } from '../support/eventually.js';
import { rawRedis } from '../support/raw-redis.js';

const JOBS = 120;
const KEYS = 6;
const redis = rawRedis();
const children: NodeChild[] = [];
afterAll(async () => {
  await Promise.all(children.map((child) => child.kill()));
  redis.disconnect();
});

it('loses no acknowledged write when a worker is killed with SIGKILL while persisting', async () => {
  const namespace = uniqueNamespace('wb-crash');
  const results = `wb-crash-results-${randomBytes(4).toString('hex')}`;
  const env = { REDIS_URL: sharedRedisUrl(), NAMESPACE: namespace, RESULTS_KEY: results };
  const lists = Array.from({ length: KEYS }, (_, k) => `${results}:item:${k}`);
  const persistedCount = async () =>
    (await Promise.all(lists.map((list) => redis.llen(list)))).reduce((a, b) => a + b, 0);

  const first = NodeChild.start('test/write/fixtures/write-behind-worker.ts', {
    ...env,
    MODE: 'enqueue',
    JOBS: String(JOBS),
    KEYS: String(KEYS),
    PERSIST_MS: '25',
  });
  children.push(first);
  await first.waitFor('enqueued', 20_000); // every write acknowledged by Redis
  await eventually(persistedCount, (n) => n >= 15, { what: 'first worker progress' });
  await first.kill('SIGKILL');
  const beforeCrash = await persistedCount();
  expect(beforeCrash).toBeLessThan(JOBS); // killed mid-way, with work left

  const second = NodeChild.start('test/write/fixtures/write-behind-worker.ts', {
    ...env,
    MODE: 'work',
    PERSIST_MS: '1',
  });
  children.push(second);
  await second.waitFor('ready', CHILD_START_TIMEOUT_MS);
  await eventually(
    async () => {
      const persisted = await Promise.all(lists.map((list) => redis.lrange(list, 0, -1)));
      return new Set(persisted.flat()).size;
    },
    (distinct) => distinct === JOBS,
    { timeoutMs: 20_000, what: 'all writes persisted' },
  );

  const perKey = await Promise.all(lists.map((list) => redis.lrange(list, 0, -1)));
  const all = perKey.flat().map(Number);
  expect(new Set(all)).toEqual(new Set(Array.from({ length: JOBS }, (_, i) => i + 1)));
  // Only the jobs running at the kill (at most the worker's concurrency) may run twice.
  expect(all.length - JOBS).toBeLessThanOrEqual(4);
  for (const [k, values] of perKey.entries()) {
    const expected = Array.from({ length: JOBS }, (_, i) => i + 1).filter((n) => n % KEYS === k);
    const numbers = values.map(Number);
    // In order per key; a repeat can only be the job that was running, right after itself.
    expect(numbers.filter((n, i) => i === 0 || n !== numbers[i - 1])).toEqual(expected);
  }
  await second.kill('SIGTERM');
  await redis.del(...lists);
}, 60_000);

it('dead-letters a job whose persister kills its worker after maxAttempts claims; its key moves on', async () => {
  const namespace = uniqueNamespace('wb-poison');
  const results = `wb-poison-results-${randomBytes(4).toString('hex')}`;
  const env = { REDIS_URL: sharedRedisUrl(), NAMESPACE: namespace, RESULTS_KEY: results };
  // An API-only instance (no worker) queues the jobs: the poisoned one first, then a later write
  // to the same key and one to another key.
  const api = await createCacheApp({
    cache: { namespace, writeBehind: { worker: false, maxAttempts: 3, delay: 0 } },
  });
  api.cache.writeBehindQueue.registerWriter('record', () => undefined);
  await api.cache.writeBehind('poison', { n: 0, crash: true }, 'record', { coalesce: false });
  await api.cache.writeBehind('poison', { n: 1 }, 'record', { coalesce: false });
  await api.cache.writeBehind('good', { n: 2 }, 'record');

  const deadLetters = () => api.cache.writeBehindQueue.deadLetters();
  let crashed = 0;
  let survivor: NodeChild | undefined;
  for (let start = 0; start < 5 && !survivor; start++) {
    const worker = NodeChild.start('test/write/fixtures/write-behind-worker.ts', {
      ...env,
      MODE: 'work',
      PERSIST_MS: '1',
    });
    children.push(worker);
    // Each worker either dies on the poisoned job or, once its attempts are used up, lives on.
    const outcome = await eventually(
      async () =>
        worker.process.exitCode !== null || worker.process.signalCode !== null
          ? 'died'
          : (await deadLetters()).length > 0
            ? 'lived'
            : 'starting',
      (state) => state !== 'starting',
      { timeoutMs: 60_000, intervalMs: 100, what: `worker ${start + 1} to die or dead-letter` },
    );
    if (outcome === 'died') crashed++;
    else survivor = worker;
  }

  expect(crashed).toBe(3);
  expect(await redis.lrange(`${results}:crashed-attempts:poison`, 0, -1)).toEqual(['1', '2', '3']);
  // Only the poisoned job: the jobs taken over beside it ran alone, after it, and succeeded.
  expect(await deadLetters()).toHaveLength(1);
  const [letter] = await deadLetters();
  expect(letter).toMatchObject({
    key: 'poison',
    writer: 'record',
    attempts: 3,
    data: { n: 0, crash: true },
  });
  expect(letter.error).toMatch(/worker died during attempt 3 of 3/);
  // The key's order is no longer blocked: its next write and the other key's are persisted. At
  // least once: a job a crashed worker had persisted but not yet acknowledged runs again.
  const [poison, good] = await eventually(
    () =>
      Promise.all([
        redis.lrange(`${results}:poison`, 0, -1),
        redis.lrange(`${results}:good`, 0, -1),
      ]),
    ([poisonRuns, goodRuns]) => poisonRuns.length >= 1 && goodRuns.length >= 1,
    { timeoutMs: 10_000, what: 'the jobs behind the poisoned one persisted' },
  );
  expect(new Set(poison)).toEqual(new Set(['1']));
  expect(new Set(good)).toEqual(new Set(['2']));
  await survivor?.kill('SIGTERM');
  await api.close();
  await redis.del(`${results}:crashed-attempts:poison`, `${results}:poison`, `${results}:good`);
}, 240_000);
