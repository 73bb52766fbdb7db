// The L1 admission's frequency sketch on its own: estimates that never undercount, aging that
// halves every count, and memory fixed at construction whatever the number of keys seen.
import { describe, expect, it } from 'vitest';
import { FrequencySketch } from '../../lib/tiers/frequency-sketch.js';

const SEED = 12_345;

describe('FrequencySketch', () => {
  it('estimates each key at its read count (never below), 0 for keys never read', () => {
    const sketch = new FrequencySketch(1_000, undefined, SEED);
    const keys = Array.from({ length: 1_000 }, (_, i) => `product:${i}`);
    keys.forEach((key, i) => {
      for (let n = 0; n < i % 12; n++) sketch.increment(key);
    });
    let exact = 0;
    keys.forEach((key, i) => {
      const estimate = sketch.frequency(key);
      expect(estimate).toBeGreaterThanOrEqual(i % 12);
      if (estimate === i % 12) exact++;
    });
    // Collisions raise a few estimates, never many (16 counters per entry of capacity).
    expect(exact).toBeGreaterThan(980);
    const unseen = Array.from({ length: 1_000 }, (_, i) => sketch.frequency(`other:${i}`));
    expect(unseen.filter((f) => f === 0).length).toBeGreaterThan(980);
  });

  it('saturates at 15 (4-bit counters)', () => {
    const sketch = new FrequencySketch(100, undefined, SEED);
    for (let n = 0; n < 100; n++) sketch.increment('hot');
    expect(sketch.frequency('hot')).toBe(15);
  });

  it('halves every count after sampleSize counted reads (aging), and says so', () => {
    let halvings = 0;
    const sketch = new FrequencySketch(100, () => halvings++, SEED);
    expect(sketch.sampleSize).toBe(1_000);
    for (let n = 0; n < 12; n++) sketch.increment('hot');
    for (let n = 0; n < 6; n++) sketch.increment('warm');
    expect([sketch.frequency('hot'), sketch.frequency('warm')]).toEqual([12, 6]);
    // Reads of other keys, one each, up to the sample size: the sketch halves once.
    for (let i = 0; halvings === 0; i++) {
      expect(i).toBeLessThan(1_000);
      sketch.increment(`cold:${i}`);
    }
    expect([sketch.frequency('hot'), sketch.frequency('warm')]).toEqual([6, 3]);
  });

  it('adds reads counted elsewhere (an L1 entry folding its hits back in)', () => {
    const sketch = new FrequencySketch(100, undefined, SEED);
    sketch.add(sketch.hash('k'), 5);
    sketch.increment('k');
    expect(sketch.frequency('k')).toBe(6);
    sketch.add(sketch.hash('k'), 40);
    expect(sketch.frequency('k')).toBe(15);
  });

  it('takes memory fixed by its capacity (8 bytes an entry), not by the keys it sees', () => {
    const sketch = new FrequencySketch(10_000, undefined, SEED);
    // 16 counters of 4 bits per entry, rounded up to a power of two: 2^18 counters.
    expect(sketch.bytes).toBe(2 ** 18 / 2);
    for (let i = 0; i < 200_000; i++) sketch.increment(`key:${i}`);
    expect(sketch.bytes).toBe(2 ** 18 / 2);
    // Capped at 32 MiB for very large capacities.
    expect(new FrequencySketch(100_000_000, undefined, SEED).bytes).toBe(32 * 2 ** 20);
  });
});
