// nestjs-redis-cache/engine as a plain Node script uses it: a real child process that refuses
// every @nestjs import, on real Redis. The same engine the module builds: reads, tags, events,
// write-behind, health, and a close that lets the process exit.
import { expect, it } from 'vitest';
import { CHILD_START_TIMEOUT_MS, NodeChild } from '../support/child-process.js';
import { sharedRedisUrl } from '../support/cache-app.js';

it('runs without Nest: getOrSet, tags, events, write-behind, health, close', async () => {
  const child = NodeChild.start(
    'test/engine/fixtures/standalone-script.ts',
    {},
    ['--import', './test/engine/fixtures/refuse-nest.mjs'],
    [sharedRedisUrl()],
  );
  const done = await child.waitFor('done', CHILD_START_TIMEOUT_MS);
  expect(done).toMatchObject({
    first: 1,
    second: 1,
    computed: 1,
    hits: 1,
    persisted: [{ id: 1 }],
    status: 'up',
  });
  expect(done.afterInvalidation).toBeUndefined();
  // close() left nothing open: the process ends by itself.
  expect(await child.exited).toBe(0);
});
