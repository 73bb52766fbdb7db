// The README's Quick start, as pasted: its code block type-checks against the library and runs as
// an app (on a Redis of its own, on a free port) that caches GET /products/42 and drops it on the
// price update.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeChild } from '../support/child-process.js';
import { eventually } from '../support/eventually.js';
import { freePort, RedisServer } from '../support/redis-server.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = join(ROOT, 'test-artifacts', `quick-start-${process.pid}`);

function quickStartSnippet(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Quick start'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('README.md has no ```ts block under "## Quick start"');
  return match[1];
}

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
    writeFileSync(
      join(DIR, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.json', include: [], files: ['main.ts'] }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', join(DIR, 'tsconfig.json')], {
      cwd: ROOT,
    }).catch((error: { stdout?: string; stderr?: string }) => error);
    expect(`${result.stdout ?? ''}${result.stderr ?? ''}`).toBe('');
  }, 180_000);

  it('runs as pasted: caches the product and invalidates it on the price update', async () => {
    const port = await freePort();
    const app = NodeChild.start(join('test-artifacts', `quick-start-${process.pid}`, 'main.ts'), {
      PORT: String(port),
      REDIS_URL: redis.url,
    });
    const base = `http://127.0.0.1:${port}`;
    const client = new Redis(redis.url);
    try {
      const first = await eventually(
        () =>
          fetch(`${base}/products/42`)
            .then((response) => response.json() as Promise<unknown>)
            .catch(() => undefined),
        (body) => body !== undefined,
        { timeoutMs: 90_000, what: 'the Quick start app answering GET /products/42' },
      );
      expect(first).toEqual({ id: 42, name: 'Teapot', price: 1999 });
      expect(await client.exists('cache:product:42')).toBe(1);
      const update = await fetch(`${base}/products/42/price`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ price: 2499 }),
      });
      expect(update.status).toBe(200);
      expect(await (await fetch(`${base}/products/42`)).json()).toEqual({
        id: 42,
        name: 'Teapot',
        price: 2499,
      });
    } finally {
      client.disconnect();
      await app.kill('SIGTERM');
    }
  }, 150_000);
});
