// How often each key was read lately, in 8 bytes per L1 entry: the TinyLFU filter of `admission:
// 'frequency'` (as in Caffeine). A count-min sketch, a key's four 4-bit counters in one 64-byte
// block (one cache line per count, not four), halved every 10 × capacity reads.

/** Counters per L1 entry: few enough to stay small, enough to keep collisions rare. */
const COUNTERS_PER_ENTRY = 16;
/** Increments (per L1 entry) between two halvings: TinyLFU's sample size, W = 10 × capacity. */
const SAMPLES_PER_ENTRY = 10;
/** Beyond this many counters (32 MiB) the sketch stops growing: the estimates just get coarser. */
const MAX_COUNTERS = 1 << 26;
/** Counters per key, one in each quarter (4 words) of the key's block. */
const DEPTH = 4;
/** Words (32 bits) per block: 64 bytes, a cache line. */
const BLOCK_WORDS = 16;
/** Each nibble's low bit, and each nibble with its high bit cleared (halving a word at once). */
const LOW_BITS = 0x11111111;
const HALF_MASK = 0x77777777;

export class FrequencySketch {
  private readonly table: Uint32Array;
  private readonly blockMask: number;
  /** Increments that raised at least one counter since the last halving. */
  private additions = 0;
  readonly sampleSize: number;

  /**
   * @param onHalve called after each halving, to age the reads counted outside the sketch.
   * @param seed mixed into every hash so nobody can choose colliding keys (random per process by
   *   default).
   */
  constructor(
    capacity: number,
    private readonly onHalve: () => void = () => undefined,
    private readonly seed = (Math.random() * 0x1_0000_0000) >>> 0,
  ) {
    const counters = Math.min(MAX_COUNTERS, ceilingPowerOfTwo(capacity * COUNTERS_PER_ENTRY));
    const words = Math.max(BLOCK_WORDS, counters >>> 3);
    this.table = new Uint32Array(words);
    this.blockMask = words / BLOCK_WORDS - 1;
    this.sampleSize = Math.max(1, capacity) * SAMPLES_PER_ENTRY;
  }

  get bytes(): number {
    return this.table.byteLength;
  }

  /** Counts one read of `key`; every `sampleSize` counted reads, all counts are halved. */
  increment(key: string): void {
    this.add(this.hash(key), 1);
  }

  /**
   * Counts `reads` reads of the key whose hash() this is (reads counted elsewhere, folded in);
   * returns the key's frequency from before them.
   */
  add(hash: number, reads: number): number {
    const block = (hash & this.blockMask) * BLOCK_WORDS;
    const select = rehash(hash);
    let added = false;
    let min = 0xf;
    for (let i = 0; i < DEPTH; i++) {
      // 5 bits of `select` per counter: which word of its quarter (2), which nibble (3).
      const bits = select >>> (i * 5);
      const word = block + i * 4 + (bits & 3);
      const shift = bits & 0x1c;
      const count = (this.table[word] >>> shift) & 0xf;
      if (count < min) min = count;
      const raised = Math.min(0xf, count + reads);
      if (raised === count) continue;
      this.table[word] += ((raised - count) << shift) >>> 0;
      added = true;
    }
    // A count folded in adds at most what a counter can hold: one entry leaving with thousands of
    // hits must not bring the next halving forward on its own.
    if (added && (this.additions += Math.min(reads, 0xf)) >= this.sampleSize) this.halve();
    return min;
  }

  /** How many times `key` was read lately (0–15): an overestimate only when keys collide. */
  frequency(key: string): number {
    return this.frequencyOf(this.hash(key));
  }

  /** frequency() of the key whose hash() this is. */
  frequencyOf(hash: number): number {
    return this.add(hash, 0);
  }

  /** Halves every counter (aging); the reads that rounding dropped are taken off the tally. */
  private halve(): void {
    let odd = 0;
    for (let i = 0; i < this.table.length; i++) {
      const word = this.table[i];
      odd += popcount(word & LOW_BITS);
      this.table[i] = (word >>> 1) & HALF_MASK;
    }
    // Each read raised about DEPTH counters, so DEPTH odd counters stand for one lost half-read.
    this.additions = Math.max(0, (this.additions - (odd >>> 2)) >>> 1);
    this.onHalve();
  }

  /**
   * FNV-1a over the UTF-16 code units, seeded, with a final avalanche (murmur3's fmix32), cut to
   * 30 bits: a small integer, which the L1 entry that keeps it stores unboxed.
   */
  hash(key: string): number {
    let h = 0x811c9dc5 ^ this.seed;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    return rehash(h) & 0x3fffffff;
  }
}

function rehash(value: number): number {
  let h = value ^ (value >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function popcount(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function ceilingPowerOfTwo(value: number): number {
  return value <= 1 ? 1 : 2 ** Math.ceil(Math.log2(value));
}
