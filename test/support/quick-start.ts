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

/**
 * Waits for the Quick start app at `base` to answer, then checks what the README promises:
 * GET /products/42 is cached in Redis (`redisUrl`) and the price update invalidates it.
 * `gaveUp` ends the wait early (the app exited).
 */
export async function expectQuickStartCaches(
  base: string,
  redisUrl: string,
  gaveUp: () => boolean = () => false,
): Promise<void> {
  const first = await eventually(
    () =>
      fetch(`${base}/products/42`)
        .then((response) => response.json() as Promise<unknown>)
        .catch(() => undefined),
    (body) => body !== undefined || gaveUp(),
    { timeoutMs: 90_000, what: 'the Quick start app answering GET /products/42' },
  );
  expect(first).toEqual({ id: 42, name: 'Teapot', price: 1999 });
  const client = new Redis(redisUrl);
  try {
    expect(await client.exists('cache:product:42')).toBe(1);
  } finally {
    client.disconnect();
  }
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
}
