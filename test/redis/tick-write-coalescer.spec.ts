// coalesceWrites: the commands of one tick leave in one socket write (the socket stays corked
// until the next tick), keep their order and their own results; off, each is written at once.
import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { createCacheApp, type CacheApp } from '../support/cache-app.js';

let app: CacheApp | undefined;
afterEach(async () => {
  await app?.cache.clear();
  await app?.close();
  app = undefined;
});

function socketOf(app: CacheApp): Socket {
  return (app.cache.client as Redis).stream as Socket;
}

it('holds the commands of one tick in the socket until the next tick', async () => {
  app = await createCacheApp();
  const socket = socketOf(app);
  const client = app.cache.client as Redis;
  const pending = [client.set(`${app.namespace}:a`, '1'), client.get(`${app.namespace}:a`)];
  expect(socket.writableCorked).toBe(1);
  await new Promise((resolve) => process.nextTick(resolve));
  expect(socket.writableCorked).toBe(0);
  expect(await Promise.all(pending)).toEqual(['OK', '1']);
});

it('writes each command at once with coalesceWrites: false', async () => {
  app = await createCacheApp({ cache: { coalesceWrites: false } });
  const pending = (app.cache.client as Redis).set(`${app.namespace}:a`, '1');
  expect(socketOf(app).writableCorked).toBe(0);
  expect(await pending).toBe('OK');
});

it('keeps order and per-command results for a burst of writes and reads in one tick', async () => {
  app = await createCacheApp();
  const cache = app.cache;
  const writes = Array.from({ length: 500 }, (_, i) => cache.set(`k${i % 50}`, i));
  await Promise.all(writes);
  // The last write of each key (i = 450..499) wins: the burst reached Redis in order.
  const values = await Promise.all(Array.from({ length: 50 }, (_, i) => cache.get(`k${i}`)));
  expect(values).toEqual(Array.from({ length: 50 }, (_, i) => 450 + i));
});

it('rejects a non-boolean coalesceWrites at bootstrap, naming it', async () => {
  await expect(
    createCacheApp({ cache: { coalesceWrites: 'yes' as unknown as boolean } }),
  ).rejects.toThrow(/"coalesceWrites"/);
});
