// Tag invalidation on every topology: entries written by set/mset/getOrSet with tags whose
// version keys live in other slots than the entries (on the Cluster), invalidated from another
// instance, set again after an invalidation, and an invalidation racing a factory. The home of
// these behaviours; test/service/tags.spec.ts keeps what is single-node only (edge inputs, the
// Redis cost of an invalidation, tag keys expiring with their entries).
import { describe, expect, it } from 'vitest';
import { topologies, useTopology } from '../support/topologies.js';

describe.each(topologies)('tags on $name', (topology) => {
  const redis = useTopology(topology);

  it('invalidateTags() makes every entry carrying a tag a miss and leaves the others', async () => {
    const app = await redis.app();
    await app.cache.set('p1', 'one', { tags: ['product:1', 'category:shoes'] });
    await app.cache.set('p2', 'two', { tags: ['product:2', 'category:shoes', 'brand:x'] });
    await app.cache.set('p3', 'three', { tags: ['brand:x'] });
    await app.cache.mset([
      { key: 'p4', value: 'four', tags: ['product:1', 'brand:x'] },
      { key: 'p5', value: 'five', tags: ['product:2'] },
    ]);
    expect(await app.cache.getOrSet('p6', () => 'six', { tags: ['product:2', 'other'] })).toBe(
      'six',
    );
    await app.cache.set('untagged', 'seven');

    await app.cache.invalidateTags('category:shoes', 'brand:x');
    expect(await app.cache.mget(['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'untagged'])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'five',
      'six',
      'seven',
    ]);
    expect(await app.cache.has('p1')).toBe(false);
    await app.cache.invalidateTags('product:2');
    expect(await app.cache.mget(['p5', 'p6', 'untagged'])).toEqual([undefined, undefined, 'seven']);
    expect(app.cache.stats().redis.errors).toBe(0);
  });

  it('getOrSet recomputes after an invalidation made by another instance, and the new value sticks', async () => {
    const first = await redis.app();
    const second = await redis.app({ namespace: first.namespace });
    let runs = 0;
    const factory = () => ++runs;
    expect(await first.cache.getOrSet('k', factory, { tags: ['t'] })).toBe(1);
    expect(await second.cache.getOrSet('k', factory, { tags: ['t'] })).toBe(1);
    await second.cache.invalidateTags('t');
    expect(await first.cache.getOrSet('k', factory, { tags: ['t'] })).toBe(2);
    expect(await second.cache.getOrSet('k', factory, { tags: ['t'] })).toBe(2);
    expect(runs).toBe(2);
  });

  it('an entry set again after an invalidation is served, and can be invalidated again', async () => {
    const app = await redis.app();
    await app.cache.set('k', 'old', { tags: ['t'] });
    await app.cache.invalidateTags('t');
    expect(await app.cache.get('k')).toBeUndefined();
    await app.cache.set('k', 'new', { tags: ['t'] });
    expect(await app.cache.get('k')).toBe('new');
    expect(await app.cache.has('k')).toBe(true);
    await app.cache.invalidateTags('t');
    expect(await app.cache.get('k')).toBeUndefined();
  });

  it('an invalidation during a getOrSet factory wins: the stored entry reads as a miss', async () => {
    const app = await redis.app();
    let factoryStarted!: () => void;
    let releaseFactory!: () => void;
    const started = new Promise<void>((resolve) => (factoryStarted = resolve));
    const release = new Promise<void>((resolve) => (releaseFactory = resolve));
    const pending = app.cache.getOrSet(
      'race',
      async () => {
        factoryStarted();
        await release;
        return 'computed from stale data';
      },
      { tags: ['race'] },
    );
    await started;
    await app.cache.invalidateTags('race');
    releaseFactory();
    // The caller still gets its value, but it is not served to anyone else.
    expect(await pending).toBe('computed from stale data');
    expect(await app.cache.get('race')).toBeUndefined();
    expect(await app.cache.has('race')).toBe(false);
    // The next getOrSet recomputes with fresh data, and that one sticks.
    expect(await app.cache.getOrSet('race', () => 'fresh', { tags: ['race'] })).toBe('fresh');
    expect(await app.cache.get('race')).toBe('fresh');
  });
});
