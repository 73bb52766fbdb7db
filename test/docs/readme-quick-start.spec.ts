// The README's Quick start, as pasted: its code block type-checks against the library and runs as
// an app (on a Redis of its own, on a free port) that caches GET /products/42 and drops it on the
// price update.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeChild } from '../support/child-process.js';
import { expectQuickStartCaches, quickStartSnippet } from '../support/quick-start.js';
import { REPOSITORY_ROOT, typeCheck } from '../support/readme-blocks.js';
import { freePort, RedisServer } from '../support/redis-server.js';

const DIR = join(REPOSITORY_ROOT, 'test-artifacts', `quick-start-${process.pid}`);

let redis: RedisServer;

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(join(DIR, 'main.ts'), quickStartSnippet());
  redis = await RedisServer.start();
});

afterAll(async () => {
  rmSync(DIR, { recursive: true, force: true });
  await redis?.dispose();
});

describe('README Quick start', () => {
  it('type-checks as pasted', async () => {
    expect(await typeCheck(DIR, ['main.ts'])).toBe('');
  }, 180_000);

  it('runs as pasted: X-Cache says MISS then HIT, and the price update invalidates the product', async () => {
    const port = await freePort();
    const app = NodeChild.start(join('test-artifacts', `quick-start-${process.pid}`, 'main.ts'), {
      PORT: String(port),
      REDIS_URL: redis.url,
    });
    try {
      await expectQuickStartCaches(`http://127.0.0.1:${port}`, redis.url);
    } finally {
      await app.kill('SIGTERM');
    }
  }, 150_000);
});
