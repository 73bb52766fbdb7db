// Scenario 8: write-behind. (a) Enqueue throughput, 100 concurrent callers, API-only instance
// (worker: false), against a plain cache set and the same durable work done by hand (SET + XADD
// in one MULTI). (b) Persister calls saved by coalescing: a burst of writes over a few hot keys,
// drained by a worker, with coalesce on and off.
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { RedisCacheService } from 'nestjs-redis-cache';
import { createLibApp, TTL_SECONDS } from '../support/contenders.js';
import { measureCases, type BenchContext, type Case } from '../support/context.js';
import type { Row } from '../support/report.js';
import { makeValue } from '../support/values.js';

const WRITER = 'orders';

export async function writeBehind(context: BenchContext): Promise<void> {
  await enqueueThroughput(context);
  await coalescing(context);
}

async function enqueueThroughput(context: BenchContext): Promise<void> {
  const { redis, report } = context;
  await redis.flush();
  const value = makeValue(1024);
  const { app, cache } = await createLibApp({
    url: redis.url,
    namespace: 'wb',
    ttl: TTL_SECONDS,
    writeBehind: { worker: false },
  });
  cache.writeBehindQueue.registerWriter(WRITER, () => undefined);
  const client = new Redis(redis.url);
  const payload = JSON.stringify(value);
  let n = 0;
  const cases: Case[] = [
    {
      name: 'this library writeBehind (enqueue)',
      run: () => cache.writeBehind(`order:${n++ % 10_000}`, value, WRITER, { coalesce: false }),
    },
    {
      name: 'this library writeBehind, coalesce on',
      run: () => cache.writeBehind(`order:${n++ % 10_000}`, value, WRITER),
    },
    { name: 'this library set (no queue)', run: () => cache.set(`order:${n++ % 10_000}`, value) },
    {
      name: 'ioredis by hand: MULTI SET EX + XADD',
      run: () =>
        client
          .multi()
          .set(`raw:order:${n % 10_000}`, payload, 'EX', TTL_SECONDS)
          .xadd(
            'raw:jobs',
            'MAXLEN',
            '~',
            '100000',
            '*',
            'key',
            `raw:order:${n++ % 10_000}`,
            'data',
            payload,
          )
          .exec(),
    },
  ];
  const rows = await measureCases(context, cases, 100);
  report.table({
    scenario: 'write-behind',
    title:
      '8a. Write-behind enqueue, 1 KB values, 100 concurrent callers (no worker in this process)',
    baseline: 'this library writeBehind (enqueue)',
    rows,
  });
  client.disconnect();
  await app.close();
}

async function coalescing(context: BenchContext): Promise<void> {
  const { config, redis, report } = context;
  const writes = config.quick ? 1_000 : 5_000;
  const hotKeys = config.quick ? 20 : 50;
  const rows: Row[] = [];
  for (const coalesce of [true, false]) {
    await redis.flush();
    const { app, cache } = await createLibApp({
      url: redis.url,
      namespace: 'wbc',
      ttl: TTL_SECONDS,
      writeBehind: { worker: true, concurrency: 8, batchSize: 100, blockTime: '100ms', coalesce },
    });
    const persisted = new Map<string, number>();
    let calls = 0;
    cache.writeBehindQueue.registerWriter(WRITER, (data) => {
      const { key, seq } = data as { key: string; seq: number };
      calls++;
      persisted.set(key, Math.max(persisted.get(key) ?? -1, seq));
    });
    const last = new Map<string, number>();
    const started = performance.now();
    for (let i = 0; i < writes; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, writes - i) }, (_, j) => {
          const seq = i + j;
          const key = `order:${seq % hotKeys}`;
          last.set(key, seq);
          return cache.writeBehind(key, { key, seq }, WRITER);
        }),
      );
    }
    const enqueuedMs = performance.now() - started;
    await drained(cache, last, persisted, 60_000);
    const drainedMs = performance.now() - started;
    rows.push({
      name: `this library writeBehind, coalesce ${coalesce ? 'on' : 'off'}`,
      extra: {
        writes,
        'hot keys': hotKeys,
        'persister calls': calls,
        saved: `${(((writes - calls) / writes) * 100).toFixed(1)}%`,
        'enqueue ms': Math.round(enqueuedMs),
        'drained ms': Math.round(drainedMs),
      },
    });
    await app.close();
  }
  report.table({
    scenario: 'write-behind',
    title: `8b. Write-behind coalescing: ${writes.toLocaleString('en-US')} writes (100 at a time) over ${hotKeys} hot keys, one worker (concurrency 8)`,
    rows,
    notes: [
      "drained = every key's latest value persisted; a persister call that is saved never reaches the database",
    ],
  });
}

async function drained(
  cache: RedisCacheService,
  last: Map<string, number>,
  persisted: Map<string, number>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const done = [...last].every(([key, seq]) => persisted.get(key) === seq);
    if (done && (await cache.writeBehindQueue.stats()).inFlight === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('write-behind queue not drained in time');
}
