// The README's Quick start, for the specs that run it (from source, and from the packed tarball
// compiled to CommonJS): its code block as pasted, and what a user checks of the running app.
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { eventually } from './eventually.js';
import { readmeBlocks } from './readme-blocks.js';

/** The ```ts block under "## Quick start" in README.md, as a user pastes it into src/main.ts. */
export function quickStartSnippet(): string {
  return readmeBlocks('Quick start')[0].code;
}

interface Answer {
  xCache: string | null;
  body: unknown;
}

/** GET {base}{path}: the `X-Cache` header CacheStatsInterceptor sets, and the JSON body. */
async function get(base: string, path: string): Promise<Answer> {
  const response = await fetch(`${base}${path}`);
  return { xCache: response.headers.get('x-cache'), body: await response.json() };
}

/**
 * Waits for the Quick start app at `base` to answer, then checks what the README promises:
 * GET /products/42 says `X-Cache: MISS` and is then cached in Redis (`redisUrl`), the next one
 * says `HIT`, and the price update invalidates it (a MISS with the new price, then a HIT).
 * `gaveUp` ends the wait early (the app exited).
 */
export async function expectQuickStartCaches(
  base: string,
  redisUrl: string,
  gaveUp: () => boolean = () => false,
): Promise<void> {
  // Wait on a route that makes no lookup, so the first GET /products/42 below is the first one.
  await eventually(
    () =>
      fetch(`${base}/`)
        .then(() => true)
        .catch(() => false),
    (answered) => answered || gaveUp(),
    { timeoutMs: 90_000, what: 'the Quick start app answering' },
  );
  const teapot = { id: 42, name: 'Teapot', price: 1999 };
  expect(await get(base, '/products/42')).toEqual({ xCache: 'MISS', body: teapot });
  const client = new Redis(redisUrl);
  try {
    expect(await client.exists('cache:product:42')).toBe(1);
  } finally {
    client.disconnect();
  }
  expect(await get(base, '/products/42')).toEqual({ xCache: 'HIT', body: teapot });
  const update = await fetch(`${base}/products/42/price`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ price: 2499 }),
  });
  expect(update.status).toBe(200);
  const repriced = { ...teapot, price: 2499 };
  expect(await get(base, '/products/42')).toEqual({ xCache: 'MISS', body: repriced });
  expect(await get(base, '/products/42')).toEqual({ xCache: 'HIT', body: repriced });
}
