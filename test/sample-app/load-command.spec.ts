// `npm run load` as a user runs it, in a real child process on a Redis of its own: it states its
// plan and duration before it starts, and Ctrl-C (SIGINT) in the middle of a run stops the shop it
// started, removes every key it wrote, and exits non-zero saying so.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeChild } from '../support/child-process.js';
import { eventually } from '../support/eventually.js';
import { rawRedis } from '../support/raw-redis.js';
import { RedisServer } from '../support/redis-server.js';

let redis: RedisServer;
let client: Redis;

beforeAll(async () => {
  redis = await RedisServer.start();
  client = rawRedis(redis.url);
});

afterAll(async () => {
  client?.disconnect();
  await redis?.dispose();
});

async function keysMatching(pattern: string): Promise<string[]> {
  const found: string[] = [];
  for await (const batch of client.scanStream({ match: pattern, count: 1000 }) as AsyncIterable<
    string[]
  >)
    found.push(...batch);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run load', () => {
  it('says its plan up front, and on SIGINT stops its shop, removes its keys and exits 130', async () => {
    const load = NodeChild.start(
      'sample-app/load/run-load.ts',
      { REDIS_URL: redis.url },
      [],
      ['--quick', '--db', 'sqlite'],
    );
    try {
      const plan = await eventually(
        () => load.errorOutput,
        (output) => output.includes('Ctrl-C stops it') || load.process.exitCode !== null,
        { timeoutMs: 30_000, what: 'the load plan' },
      );
      expect(plan).toMatch(
        /^Shop load \(quick\): 2 run\(s\), about \d+ s in all \(16 s of traffic/,
      );
      expect(plan).toContain('sqlite, cache on:  warm-up 3 s, then measure 5 s');
      expect(plan).toContain('sqlite, cache off: warm-up 3 s, then measure 5 s');

      const started = await eventually(
        () => /cache on: shop started on \S+ \(namespace (\S+), pid (\d+)\)/.exec(load.errorOutput),
        (match) => match !== null || load.process.exitCode !== null,
        { timeoutMs: 60_000, what: 'the cache-on run starting' },
      );
      expect(started, load.errorOutput).not.toBeNull();
      const [, namespace, pid] = started!;
      const catalogue = /seeding a catalogue in (\S+)\.\.\./.exec(load.errorOutput)?.[1];
      expect(catalogue && existsSync(catalogue), load.errorOutput).toBe(true);
      // Loading: the shop has cached entries of its namespace in Redis.
      await eventually(
        () => keysMatching(`${namespace}:*`),
        (keys) => keys.length > 0,
        { timeoutMs: 15_000, what: `cache entries of ${namespace}` },
      );

      load.process.kill('SIGINT');
      expect(await load.exited).toBe(130);
      expect(load.errorOutput).toMatch(
        new RegExp(
          `Interrupted by SIGINT: stopped 1 shop process\\(es\\), removed \\d+ Redis key\\(s\\) of namespace\\(s\\) ${namespace}, removed the run's databases; nothing recorded\\.`,
        ),
      );
      expect(load.errorOutput).not.toContain('Recorded in');
      // This Redis served only the load: nothing of it is left, in any namespace.
      expect(await keysMatching('*')).toEqual([]);
      expect(alive(Number(pid))).toBe(false);
      // The seeded SQLite catalogue and its copies are gone with their directory.
      expect(existsSync(dirname(catalogue!))).toBe(false);
    } finally {
      await load.kill('SIGKILL');
    }
  }, 90_000);
});
