// L1 coherence across processes, timed: two real Node processes, each a Nest app with an
// in-process L1 (TTL 1 minute) in front of the same Redis. B reads in a loop, served from its L1,
// while A writes, deletes or invalidates a tag: B sees the change within a second of the start of
// A's call (after a set or an invalidation, having served its L1 copy until then). That every
// write reaches the other instance's L1, on every topology and in both invalidation modes, is
// asserted in test/topologies/l1-coherence.spec.ts.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedRedisUrl, uniqueNamespace } from '../support/cache-app.js';
import { CHILD_START_TIMEOUT_MS, NodeChild, type ChildMessage } from '../support/child-process.js';

const FIXTURE = 'test/tiers/fixtures/l1-node.ts';
/** Generous: the measured propagation is a few milliseconds. */
const BOUND_MS = 1_000;
let a: NodeChild;
let b: NodeChild;

async function ask(node: NodeChild, message: ChildMessage): Promise<ChildMessage> {
  const id = randomBytes(4).toString('hex');
  node.send({ ...message, id });
  const reply = await node.waitFor('reply', 10_000, (m) => m.id === id);
  if (reply.error) throw new Error(`child failed: ${String(reply.error)}`);
  return reply;
}

/**
 * B reads `key` in a loop (served from its L1) until it sees `until`; meanwhile A runs `write`.
 * Resolves to how long after A started the write B saw it, and how many L1 hits B had meanwhile.
 */
async function propagation(
  key: string,
  until: unknown,
  write: ChildMessage,
  tags?: string[],
): Promise<{ ms: number; l1HitsWhileStale: number }> {
  const id = randomBytes(4).toString('hex');
  b.send({ type: 'watch', id, key, until, tags });
  await b.waitFor('watching', 5_000, (m) => m.id === id);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const written = await ask(a, write);
  const seen = await b.waitFor('reply', 5_000, (m) => m.id === id);
  return {
    ms: (seen.seenAt as number) - (written.startedAt as number),
    l1HitsWhileStale: seen.l1HitsWhileStale as number,
  };
}

beforeAll(async () => {
  const env = { REDIS_URL: sharedRedisUrl(), CACHE_NAMESPACE: uniqueNamespace('l1') };
  [a, b] = [NodeChild.start(FIXTURE, env), NodeChild.start(FIXTURE, env)];
  await Promise.all([
    a.waitFor('ready', CHILD_START_TIMEOUT_MS),
    b.waitFor('ready', CHILD_START_TIMEOUT_MS),
  ]);
});
afterAll(async () => {
  await Promise.all([a?.kill(), b?.kill()]);
});

describe('L1 coherence across instances', () => {
  it('a set() in A is seen by B’s next read after the invalidation message', async () => {
    await ask(a, { type: 'set', key: 'k', value: 'v1' });
    expect(await ask(b, { type: 'get', key: 'k' })).toMatchObject({ value: 'v1', fromL1: false });
    expect(await ask(b, { type: 'get', key: 'k' })).toMatchObject({ value: 'v1', fromL1: true });

    const { ms, l1HitsWhileStale } = await propagation('k', 'v2', {
      type: 'set',
      key: 'k',
      value: 'v2',
    });
    // B was really serving from L1 until the message came (its L1 TTL is a minute).
    expect(l1HitsWhileStale).toBeGreaterThan(0);
    expect(ms).toBeLessThan(BOUND_MS);
    console.info(`[l1] set() in A seen by B after ${ms} ms`);
    expect(await ask(b, { type: 'get', key: 'k' })).toMatchObject({ value: 'v2' });
  });

  it('a del() in A evicts the key from B’s L1', async () => {
    await ask(a, { type: 'set', key: 'd', value: 'here' });
    await ask(b, { type: 'get', key: 'd' });
    expect(await ask(b, { type: 'get', key: 'd' })).toMatchObject({ value: 'here', fromL1: true });
    const { ms } = await propagation('d', undefined, { type: 'del', key: 'd' });
    expect(ms).toBeLessThan(BOUND_MS);
    console.info(`[l1] del() in A seen by B after ${ms} ms`);
  });

  it('invalidateTags() in A makes B’s L1 entry with that tag a miss', async () => {
    const tagged = { key: 'tagged', tags: ['team:1'] };
    expect(await ask(b, { type: 'getOrSet', ...tagged, value: 'x1' })).toMatchObject({
      value: 'x1',
    });
    expect(await ask(b, { type: 'getOrSet', ...tagged, value: 'unused' })).toMatchObject({
      value: 'x1',
      fromL1: true,
    });
    // B's factory now returns x2: B sees it as soon as its L1 copy of x1 is gone.
    const { ms, l1HitsWhileStale } = await propagation(
      'tagged',
      'x2',
      { type: 'invalidate', tags: ['team:1'] },
      ['team:1'],
    );
    expect(l1HitsWhileStale).toBeGreaterThan(0);
    expect(ms).toBeLessThan(BOUND_MS);
    console.info(`[l1] invalidateTags() in A seen by B after ${ms} ms`);
  });
});
