// getOrSet on every topology: single flight in one process, the distributed lock across two app
// instances (one factory run for the fleet, the other instance waits for its value), hits after
// the first computation, and a failing factory storing nothing. The home of these behaviours;
// test/service/ and test/stampede/ keep what is single-node only (null and undefined values,
// recompute after expiry, lock internals counted with INFO, waits timed on one server).
import { describe, expect, it } from 'vitest';
import { eventually, sleep } from '../support/eventually.js';
import { topologies, useTopology } from '../support/topologies.js';

/** A factory counting its runs, answering after `ms`. */
function origin(ms: number) {
  const factory = async () => {
    factory.runs++;
    await sleep(ms);
    return { run: factory.runs };
  };
  factory.runs = 0;
  return factory;
}

describe.each(topologies)('getOrSet and the lock on $name', (topology) => {
  const redis = useTopology(topology);

  it('20 concurrent callers in one process share one factory run, then hit', async () => {
    const app = await redis.app();
    const factory = origin(50);
    const values = await Promise.all(
      Array.from({ length: 20 }, () => app.cache.getOrSet('cold', factory)),
    );
    expect(factory.runs).toBe(1);
    expect(values).toEqual(values.map(() => ({ run: 1 })));
    expect(await app.cache.getOrSet('cold', factory)).toEqual({ run: 1 });
    expect(factory.runs).toBe(1);
    // Callers sharing a run count as it did: 20 misses, then one hit.
    expect(app.cache.stats()).toMatchObject({ misses: 20, hits: 1 });
    // Keys in other slots each get their own run, and its value.
    const keyed = await Promise.all(
      ['a', 'b', 'c', 'd'].map((key) =>
        app.cache.getOrSet(key, async () => ({ key, ...(await factory()) })),
      ),
    );
    expect(factory.runs).toBe(5);
    expect(keyed.map((value) => value.key)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('two instances asking for one cold key together run the factory once', async () => {
    const first = await redis.app({ lock: { wait: '10s' } });
    const second = await redis.app({ namespace: first.namespace, lock: { wait: '10s' } });
    const factory = origin(300);
    const values = await Promise.all([
      ...Array.from({ length: 10 }, () => first.cache.getOrSet('shared', factory)),
      ...Array.from({ length: 10 }, () => second.cache.getOrSet('shared', factory)),
    ]);
    expect(factory.runs).toBe(1);
    expect(values).toEqual(values.map(() => ({ run: 1 })));
    // The instance that lost the race waited on the lock for the winner's value.
    const waits =
      first.cache.stats().stampede!.lockWaits + second.cache.stats().stampede!.lockWaits;
    expect(waits).toBe(1);
  });

  it('a factory that throws stores nothing, its error reaches every concurrent caller; the next call computes', async () => {
    const app = await redis.app();
    const failure = new Error('origin down');
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const factory = async () => {
      calls++;
      await gate;
      throw failure;
    };
    const callers = Array.from({ length: 5 }, () =>
      app.cache.getOrSet('failing', factory, { tags: ['t'] }).catch((e: unknown) => e),
    );
    await eventually(
      () => calls,
      (n) => n > 0,
      { what: 'the factory started' },
    );
    release();
    const outcomes = await Promise.all(callers);
    expect(calls).toBe(1);
    for (const outcome of outcomes) expect(outcome).toBe(failure);
    expect(await app.cache.has('failing')).toBe(false);
    expect(await redis.raw.exists(`${app.namespace}:failing`)).toBe(0);
    expect(await app.cache.getOrSet('failing', () => 'healed')).toBe('healed');
    expect(await app.cache.get('failing')).toBe('healed');
  });

  it('the lock is released after the run: another instance computes an invalidated key at once', async () => {
    const first = await redis.app();
    const second = await redis.app({ namespace: first.namespace });
    expect(await first.cache.getOrSet('released', () => 'one', { tags: ['r'] })).toBe('one');
    await first.cache.invalidateTags('r');
    const started = Date.now();
    expect(await second.cache.getOrSet('released', () => 'two', { tags: ['r'] })).toBe('two');
    // No wait for a lease to run out (the default lease is seconds long).
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(second.cache.stats().stampede!.lockWaits).toBe(0);
  });
});
