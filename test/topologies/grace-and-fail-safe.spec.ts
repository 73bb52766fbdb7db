// Stale-while-revalidate, fail-safe and the soft timeout of getOrSet on every topology: what a
// caller gets while the origin is slow or failing, and what the cache holds afterwards. Entries go
// stale on a ManualClock (advanced, not slept for); factories and timeouts take real time. The
// home of these behaviours; test/stampede/grace-and-fail-safe.spec.ts keeps what is single-node
// only (waits timed on one server, hard timeouts, lock-wait fallbacks, the entry format, option
// validation).
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
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const refresh = async () => {
      calls++;
      await gate;
      return 'v2';
    };
    // The refresh is held until the five calls returned: none of them waited for it.
    const served = [];
    for (let i = 0; i < 5; i++) served.push(await app.cache.getOrSet('swr', refresh, options));
    expect(served).toEqual(['v1', 'v1', 'v1', 'v1', 'v1']);
    expect(calls).toBe(1);
    release();
    await eventually(
      () => app.cache.get('swr'),
      (value) => value === 'v2',
      { what: 'the refreshed value' },
    );
    expect(await app.cache.getOrSet('swr', refresh, options)).toBe('v2');
    expect(calls).toBe(1);
    expect(app.cache.stats().stampede!.staleServed).toBeGreaterThanOrEqual(5);
  });

  it('a stale entry is absent outside getOrSet, yet held in Redis for its grace period and served by getOrSet', async () => {
    const clock = new ManualClock();
    const app = await redis.app({}, { clock });
    const options = { ttl: '100ms', grace: '1m' } as const;
    await app.cache.getOrSet('stale', () => 'v1', options);
    clock.advance(200);
    expect(await app.cache.get('stale')).toBeUndefined();
    expect(await app.cache.has('stale')).toBe(false);
    expect(await app.cache.ttl('stale')).toBeUndefined();
    expect(await app.cache.mget(['stale'])).toEqual([undefined]);
    expect(await redis.raw.pttl(`${app.namespace}:stale`)).toBeGreaterThan(50_000);
    expect(await app.cache.getOrSet('stale', origin('v2'), options)).toBe('v1');
    // The background refresh lands before the app closes.
    await eventually(
      () => app.cache.get('stale'),
      (value) => value === 'v2',
      { what: 'the refreshed value' },
    );
  });

  it('a failing factory is hidden by the stale value, rests during the back-off, then is tried again', async () => {
    const clock = new ManualClock();
    const app = await redis.app({}, { clock });
    const options = { ttl: '100ms', grace: '1m', graceBackoff: '400ms', timeout: false } as const;
    await app.cache.getOrSet('failing', () => 'v1', options);
    clock.advance(200);
    const failing = origin('never', 0, true);
    for (let i = 0; i < 5; i++)
      expect(await app.cache.getOrSet('failing', failing, options)).toBe('v1');
    expect(failing.calls).toBe(1);
    expect(app.cache.stats().stampede!.failSafe).toBe(1);
    // During the back-off the stale value counts as fresh, outside getOrSet too...
    expect(await app.cache.get('failing')).toBe('v1');
    // ...and for a second instance: the entry was stored again as fresh for it.
    const other = await redis.app({ namespace: app.namespace }, { clock });
    expect(await other.cache.getOrSet('failing', failing, options)).toBe('v1');
    expect(failing.calls).toBe(1);
    // After the back-off the origin is tried again (still down: the stale value again)...
    clock.advance(450);
    expect(await app.cache.getOrSet('failing', failing, options)).toBe('v1');
    expect(failing.calls).toBe(2);
    // ...and once it is back, its value is served.
    clock.advance(450);
    expect(await app.cache.getOrSet('failing', origin('v3'), options)).toBe('v3');
    expect(app.cache.stats().stampede!.failSafe).toBe(2);
  });

  it('without a stale value the factory error reaches the caller and nothing is stored', async () => {
    const app = await redis.app();
    const failing = origin('never', 0, true);
    await expect(app.cache.getOrSet('none', failing, { grace: '1m' })).rejects.toThrow(
      'origin down',
    );
    expect(await redis.raw.exists(`${app.namespace}:none`)).toBe(0);
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
