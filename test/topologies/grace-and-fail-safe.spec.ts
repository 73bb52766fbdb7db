// Stale-while-revalidate, fail-safe and the soft timeout of getOrSet on every topology: what a
// caller gets while the origin is slow or failing, and what the cache holds afterwards. Entries go
// stale on a ManualClock (advanced, not slept for); factories and timeouts take real time.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/testing/index.js';
import { eventually, sleep } from '../support/eventually.js';
import { topologies, useTopology } from '../support/topologies.js';

/** A factory that counts its calls and returns `value` after `ms`, or throws when `fail`. */
function origin(value: string, ms = 0, fail = false) {
  const factory = async () => {
    factory.calls++;
    await sleep(ms);
    if (fail) throw new Error('origin down');
    return value;
  };
  factory.calls = 0;
  return factory;
}

describe.each(topologies)('grace and fail-safe on $name', (topology) => {
  const redis = useTopology(topology);

  it('serves the stale value while one background refresh runs, then the new one', async () => {
    const clock = new ManualClock();
    const app = await redis.app({}, { clock });
    const options = { ttl: '200ms', grace: '1m' } as const;
    await app.cache.getOrSet('swr', () => 'v1', options);
    clock.advance(300);
    const refresh = origin('v2', 200);
    const served = [];
    for (let i = 0; i < 5; i++) served.push(await app.cache.getOrSet('swr', refresh, options));
    expect(served).toEqual(['v1', 'v1', 'v1', 'v1', 'v1']);
    expect(refresh.calls).toBe(1);
    await eventually(
      () => app.cache.get('swr'),
      (value) => value === 'v2',
      { what: 'the refreshed value' },
    );
    expect(refresh.calls).toBe(1);
    expect(app.cache.stats().stampede!.staleServed).toBeGreaterThanOrEqual(5);
  });

  it('a stale entry is absent outside getOrSet, yet held in Redis for its grace period', async () => {
    const clock = new ManualClock();
    const app = await redis.app({}, { clock });
    await app.cache.getOrSet('stale', () => 'v1', { ttl: '100ms', grace: '1m' });
    clock.advance(200);
    expect(await app.cache.get('stale')).toBeUndefined();
    expect(await app.cache.has('stale')).toBe(false);
    expect(await redis.raw.pttl(`${app.namespace}:stale`)).toBeGreaterThan(50_000);
  });

  it('a failing factory is hidden by the stale value and rests during the back-off', async () => {
    const clock = new ManualClock();
    const app = await redis.app({}, { clock });
    const options = { ttl: '100ms', grace: '1m', graceBackoff: '1m', timeout: false } as const;
    await app.cache.getOrSet('failing', () => 'v1', options);
    clock.advance(200);
    const failing = origin('never', 0, true);
    for (let i = 0; i < 5; i++)
      expect(await app.cache.getOrSet('failing', failing, options)).toBe('v1');
    expect(failing.calls).toBe(1);
    expect(app.cache.stats().stampede!.failSafe).toBe(1);
    // A second instance sees the back-off too: the entry was stored again as fresh for it.
    const other = await redis.app({ namespace: app.namespace }, { clock });
    expect(await other.cache.getOrSet('failing', failing, options)).toBe('v1');
    expect(failing.calls).toBe(1);
  });

  it('without a stale value the factory error reaches the caller', async () => {
    const app = await redis.app();
    const failing = origin('never', 0, true);
    await expect(app.cache.getOrSet('none', failing, { grace: '1m' })).rejects.toThrow(
      'origin down',
    );
  });

  it('a slow factory past the soft timeout: the stale value now, the new value once it lands', async () => {
    const clock = new ManualClock();
    const app = await redis.app({}, { clock });
    const options = { ttl: '100ms', grace: '1m', timeout: '50ms' } as const;
    await app.cache.getOrSet('slow', () => 'v1', options);
    clock.advance(200);
    const slow = origin('v2', 500);
    // The background refresh may also be what serves v1 (grace): either way the caller does
    // not wait for the slow origin.
    expect(await app.cache.getOrSet('slow', slow, options)).toBe('v1');
    await eventually(
      () => app.cache.get('slow'),
      (value) => value === 'v2',
      { what: 'the slow value stored' },
    );
    expect(slow.calls).toBe(1);
  });
});
