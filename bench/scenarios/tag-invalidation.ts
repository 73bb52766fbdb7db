// Scenario 6: invalidating a tag carried by 1k, 10k and 100k entries. This library bumps one
// version key (entries written under the old version read as misses), so the time should stay
// flat; bentocache also invalidates lazily; the hand-written baseline keeps a Redis set of keys
// per tag and deletes its members (SSCAN + UNLINK), the usual approach, which grows with the tag.
import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { createBento } from '../support/bentocache.js';
import { createLibApp, TTL_SECONDS } from '../support/contenders.js';
import type { BenchContext } from '../support/context.js';
import { fmtMs, type Row } from '../support/report.js';
import { median } from '../support/measure.js';
import { makeValue } from '../support/values.js';

const BATCH = 1_000;

interface Invalidator {
  name: string;
  fill(tag: string, count: number): Promise<void>;
  invalidate(tag: string): Promise<void>;
  /** True when an entry written under the tag now reads as absent. */
  gone(tag: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function tagInvalidation(context: BenchContext): Promise<void> {
  const { config, redis, report } = context;
  await redis.flush();
  const value = makeValue(256);
  const { app, cache } = await createLibApp({
    url: redis.url,
    namespace: 'tags',
    ttl: TTL_SECONDS,
  });
  const bento = await createBento({ host: redis.host, port: redis.port, prefix: 'bentotags' });
  const client = new Redis(redis.url);
  const invalidators: Invalidator[] = [
    {
      name: 'this library invalidateTags',
      async fill(tag, count) {
        for (let i = 0; i < count; i += BATCH)
          await cache.mset(
            Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => ({
              key: `${tag}:${i + j}`,
              value,
              tags: [tag],
            })),
          );
      },
      invalidate: (tag) => cache.invalidateTags(tag),
      gone: async (tag) => (await cache.get(`${tag}:0`)) === undefined,
      close: () => app.close(),
    },
    {
      name: 'bentocache deleteByTag',
      async fill(tag, count) {
        for (let i = 0; i < count; i += BATCH)
          await Promise.all(
            Array.from({ length: Math.min(BATCH, count - i) }, (_, j) =>
              bento.set({ key: `${tag}:${i + j}`, value, ttl: `${TTL_SECONDS}s`, tags: [tag] }),
            ),
          );
      },
      invalidate: async (tag) => void (await bento.deleteByTag({ tags: [tag] })),
      gone: async (tag) => (await bento.get({ key: `${tag}:0` })) === undefined,
      close: () => bento.disconnectAll(),
    },
    {
      name: 'ioredis by hand: tag set, SSCAN + UNLINK',
      async fill(tag, count) {
        for (let i = 0; i < count; i += BATCH) {
          const pipeline = client.pipeline();
          for (let j = i; j < Math.min(i + BATCH, count); j++) {
            pipeline.set(`raw:${tag}:${j}`, JSON.stringify(value), 'EX', TTL_SECONDS);
            pipeline.sadd(`raw:tag:${tag}`, `raw:${tag}:${j}`);
          }
          await pipeline.exec();
        }
      },
      async invalidate(tag) {
        const stream = client.sscanStream(`raw:tag:${tag}`, { count: BATCH });
        for await (const keys of stream as AsyncIterable<string[]>)
          if (keys.length) await client.unlink(...keys);
        await client.unlink(`raw:tag:${tag}`);
      },
      gone: async (tag) => (await client.get(`raw:${tag}:0`)) === null,
      close: async () => void (await client.quit()),
    },
  ];
  const rows: Row[] = [];
  const timings = new Map<string, number[]>();
  for (const invalidator of invalidators) {
    const row: Row = { name: invalidator.name, extra: {} };
    for (const size of config.tagSizes) {
      const times: number[] = [];
      for (let repeat = 0; repeat < config.tagRepeats; repeat++) {
        const tag = `t${size}r${repeat}`;
        await invalidator.fill(tag, size);
        const started = performance.now();
        await invalidator.invalidate(tag);
        times.push(performance.now() - started);
        if (!(await invalidator.gone(tag)))
          throw new Error(
            `${invalidator.name}: an entry of tag ${tag} is still served after invalidation`,
          );
      }
      row.extra![`${size.toLocaleString('en-US')} keys ms`] = fmtMs(median(times));
      timings.set(`${invalidator.name}@${size}`, [median(times)]);
    }
    rows.push(row);
    await invalidator.close();
  }
  report.table({
    scenario: 'tags',
    title: `6. Tag invalidation time (median of ${config.tagRepeats}), one tag on N entries`,
    rows,
    notes: [
      'time from the call to its completion; every contender is checked to serve a miss afterwards',
    ],
  });
  const [smallest, largest] = [config.tagSizes[0], config.tagSizes.at(-1)!];
  const lib = (size: number) => timings.get(`this library invalidateTags@${size}`)![0];
  report.target(
    `tags: lib time at ${largest.toLocaleString('en-US')} keys ÷ at ${smallest.toLocaleString('en-US')} keys`,
    lib(largest) / lib(smallest),
    2,
    'max',
  );
}
