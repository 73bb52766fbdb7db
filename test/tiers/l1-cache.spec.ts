// The L1 store on its own: a read that raced with an eviction never puts its older bytes back,
// tag evictions reach every entry of the tag, and nothing is served while the bus is down.
import { describe, expect, it } from 'vitest';
import { L1Cache } from '../../lib/tiers/l1-cache.js';

const settings = { maxEntries: 100, maxBytes: 1_000_000, ttlMs: 60_000, frozen: false };
const bytes = (text: string) => Buffer.from(text);

describe('L1Cache', () => {
  it('refuses bytes read before an eviction of the same key, accepts those read after', () => {
    const l1 = new L1Cache(settings, () => true);
    const before = l1.stamp();
    l1.evictKeys(['k']); // another instance wrote k while our read was in flight
    l1.put('k', bytes('old'), undefined, 1_000, before);
    expect(l1.get('k')).toBeUndefined();
    l1.put('k', bytes('new'), undefined, 1_000, l1.stamp());
    expect(l1.get('k')?.raw.toString()).toBe('new');
    // An eviction of another key does not stop this one from being cached.
    const stamp = l1.stamp();
    l1.evictKeys(['other']);
    l1.put('k2', bytes('v'), undefined, 1_000, stamp);
    expect(l1.get('k2')).toBeDefined();
  });

  it('evicts every entry of an invalidated tag, and only those', () => {
    const l1 = new L1Cache(settings, () => true);
    const tagged = (tag: string) => ({ tags: { [tag]: 'v1' } });
    l1.put('a', bytes('a'), tagged('t1'), 1_000, l1.stamp());
    l1.put('b', bytes('b'), tagged('t1'), 1_000, l1.stamp());
    l1.put('c', bytes('c'), tagged('t2'), 1_000, l1.stamp());
    l1.evictTags(['t1']);
    expect([l1.get('a'), l1.get('b')]).toEqual([undefined, undefined]);
    expect(l1.get('c')).toBeDefined();
  });

  it('serves and stores nothing while inactive (invalidation messages could be missed)', () => {
    let active = true;
    const l1 = new L1Cache(settings, () => active);
    l1.put('k', bytes('v'), undefined, 1_000, l1.stamp());
    active = false;
    expect(l1.get('k')).toBeUndefined();
    l1.put('k2', bytes('v'), undefined, 1_000, l1.stamp());
    active = true;
    expect(l1.get('k2')).toBeUndefined();
  });
});
