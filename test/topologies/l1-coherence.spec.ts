// L1 coherence on every topology: two instances of one app, each with an in-process L1 (TTL one
// minute) in front of the same Redis. A set, del, mset, tag invalidation or clear() in one reaches
// the other's L1 within moments (over the bus, or reported by Redis with `invalidation:
// 'tracking'`), not after the L1 TTL. The home of these behaviours; test/tiers/l1-coherence.spec.ts
// times the propagation between two OS processes on one server, and test/tiers/l1-tracking.spec.ts
// what tracking does on the connection.
import { describe, expect, it } from 'vitest';
import type { L1Invalidation } from '../../lib/index.js';
import type { CacheApp } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import { topologies, useTopology } from '../support/topologies.js';

/**
 * How instances hear of each other's writes: the bus everywhere, Redis tracking where supported
 * (not on Cluster: refused at bootstrap, documented in docs/options.md).
 */
const modesOn = (id: string): L1Invalidation[] =>
  id === 'cluster' ? ['bus'] : ['bus', 'tracking'];

/** `app`'s L1 hits so far. */
const l1Hits = (app: CacheApp) => app.cache.stats().l1!.hits;

describe.each(topologies)('L1 coherence on $name', (topology) => {
  const redis = useTopology(topology);

  describe.each(modesOn(topology.id))('with invalidation: %s', (invalidation) => {
    const L1 = { l1: { ttl: '1m', invalidation } } as const;

    async function pair(): Promise<[CacheApp, CacheApp]> {
      const a = await redis.app(L1);
      const b = await redis.app({ ...L1, namespace: a.namespace });
      // L1 is bypassed until an instance's bus subscription is up (it could miss invalidations).
      for (const app of [a, b])
        await eventually(
          () => app.cache.stats().l1!.active,
          (active) => active,
          { what: 'the L1 bus subscribed' },
        );
      return [a, b];
    }

    /**
     * B serves `key` from its L1: a read that fills it, then one that hits it. Retried: the bus
     * message of the write that made the value can reach B just after its first read and evict the
     * copy it had just kept (one more miss, never a stale value).
     */
    async function heldInL1(b: CacheApp, key: string, value: unknown): Promise<void> {
      await eventually(
        async () => {
          expect(await b.cache.get(key)).toEqual(value);
          const before = l1Hits(b);
          expect(await b.cache.get(key)).toEqual(value);
          return l1Hits(b) - before;
        },
        (hits) => hits === 1,
        { what: `B serving ${key} from its L1` },
      );
    }

    it('a set() in one instance replaces the value in the other’s L1', async () => {
      const [a, b] = await pair();
      await a.cache.set('k', 'v1');
      await heldInL1(b, 'k', 'v1');
      await a.cache.set('k', 'v2');
      await eventually(
        () => b.cache.get('k'),
        (value) => value === 'v2',
        { what: 'B reading the new value' },
      );
      await heldInL1(b, 'k', 'v2');
    });

    it('del() and mset() in one instance evict the keys from the other’s L1', async () => {
      const [a, b] = await pair();
      await a.cache.mset<unknown>([
        { key: 'd', value: 'here' },
        { key: 'm1', value: 1 },
        { key: 'm2', value: 2 },
      ]);
      for (const [key, value] of [
        ['d', 'here'],
        ['m1', 1],
        ['m2', 2],
      ] as const)
        await heldInL1(b, key, value);
      await a.cache.del('d');
      await a.cache.mset([
        { key: 'm1', value: 10 },
        { key: 'm2', value: 20 },
      ]);
      await eventually(
        () => b.cache.mget(['d', 'm1', 'm2']),
        (values) => values[0] === undefined && values[1] === 10 && values[2] === 20,
        { what: 'B reading the deletion and the new values' },
      );
    });

    it('invalidateTags() in one instance makes the other’s tagged L1 entry a miss', async () => {
      const [a, b] = await pair();
      let runs = 0;
      const factory = () => `x${++runs}`;
      await eventually(
        async () => {
          expect(await b.cache.getOrSet('tagged', factory, { tags: ['team:1'] })).toBe('x1');
          const before = l1Hits(b);
          expect(await b.cache.getOrSet('tagged', factory, { tags: ['team:1'] })).toBe('x1');
          return l1Hits(b) - before;
        },
        (hits) => hits === 1,
        { what: 'B serving the tagged entry from its L1' },
      );
      await a.cache.invalidateTags('team:1');
      await eventually(
        () => b.cache.getOrSet('tagged', factory, { tags: ['team:1'] }),
        (value) => value === 'x2',
        { what: 'B recomputing after the invalidation' },
      );
      expect(runs).toBe(2);
    });

    it('clear() in one instance empties the other’s L1', async () => {
      const [a, b] = await pair();
      await a.cache.set('c', 'v');
      await heldInL1(b, 'c', 'v');
      await a.cache.clear();
      await eventually(
        () => b.cache.get('c'),
        (value) => value === undefined,
        { what: 'B missing the cleared key' },
      );
    });
  });
});
