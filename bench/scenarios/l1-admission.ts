// Scenario 'admission': the L1's hit ratio with `admission: 'frequency'` (TinyLFU) against the
// plain LRU, replaying one seeded read trace through the L1 class itself (in process, Redis is not
// involved: a miss just puts the key). Two traces over 1,000,000 keys with a 10,000-entry L1:
// - Zipf(0.9) reads only;
// - the same reads with scans mixed in: after every 250,000 reads, a burst of 25,000 keys read
//   once each, in order, never seen before or again (2.5x the L1: a report, a crawler, a backfill),
//   10% of the requests.
// Then what the sketch costs an L1 hit: the L1's own lookup, and a getOrSet served from L1.
import { L1Cache } from '../../lib/tiers/l1-cache.js';
import { libContender, type Contender } from '../support/contenders.js';
import { measureCases, type BenchContext, type Case } from '../support/context.js';
import { median } from '../support/measure.js';
import { opsOf, type Table } from '../support/report.js';
import { makeValue } from '../support/values.js';

const KEYS = 1_000_000;
const L1_ENTRIES = 10_000;
const ZIPF_EXPONENT = 0.9;
const SCAN_EVERY = 250_000;
const SCAN_LENGTH = 25_000;
const SEED = 27;

type Admission = 'none' | 'frequency';
const ADMISSIONS: Admission[] = ['none', 'frequency'];

export async function l1Admission(context: BenchContext): Promise<void> {
  const { config, report } = context;
  const reads = config.quick ? 300_000 : 3_000_000;
  const zipf = zipfTrace(reads, KEYS, ZIPF_EXPONENT, SEED);
  const traces = [
    { name: 'Zipf(0.9)', trace: zipf },
    { name: 'Zipf(0.9) + scans', trace: withScans(zipf, KEYS) },
  ];
  const rows = traces.flatMap(({ name, trace }) => {
    const ratios = ADMISSIONS.map((admission) => hitRatio(trace, admission));
    report.target(
      `admission on ${name}: frequency - LRU hit ratio, points`,
      round1(ratios[1] - ratios[0]),
      5,
      'min',
      'points',
    );
    return ADMISSIONS.map((admission, i) => ({
      name: `${name}, ${admission === 'none' ? 'plain LRU' : "admission 'frequency'"}`,
      extra: {
        requests: trace.length.toLocaleString('en-US'),
        'L1 hit ratio %': ratios[i].toFixed(1),
      },
    }));
  });
  report.table({
    scenario: 'admission',
    title: `L1 admission: hit ratio over a read trace, ${KEYS.toLocaleString('en-US')} keys, ${L1_ENTRIES.toLocaleString('en-US')}-entry L1`,
    rows,
    notes: [
      `${reads.toLocaleString('en-US')} Zipf(${ZIPF_EXPONENT}) reads (seeded PRNG, seed ${SEED}); "+ scans": a burst of ${SCAN_LENGTH.toLocaleString('en-US')} keys read once each after every ${SCAN_EVERY.toLocaleString('en-US')} reads; the hit ratio counts every request of the trace, scans included`,
      'the L1 class replayed directly (a miss puts the key at once, TTL 1 h): what the L1 keeps, not what Redis costs',
    ],
  });
  lookupCost(context);
  await hitPathCost(context);
}

/** % of the trace's reads served by an L1 of L1_ENTRIES entries with this admission. */
function hitRatio(trace: Uint32Array, admission: Admission): number {
  const l1 = new L1Cache(
    { maxEntries: L1_ENTRIES, maxBytes: 2 ** 40, ttlMs: 3_600_000, frozen: false, admission },
    () => true,
  );
  const value = Buffer.allocUnsafeSlow(16); // its own memory: kept as is, not copied
  let hits = 0;
  for (let i = 0; i < trace.length; i++) {
    const key = `item:${trace[i]}`;
    if (l1.fresh(key, 0) !== undefined) hits++;
    else l1.put(key, value, undefined, 3_600_000, l1.stamp());
  }
  return (hits / trace.length) * 100;
}

/** ns per L1 lookup that hits (L1Cache.fresh), admission off and on, median of interleaved rounds. */
function lookupCost(context: BenchContext): void {
  const { config, report } = context;
  const keys = Array.from({ length: 5_000 }, (_, i) => `product:${i}:details`);
  const value = Buffer.allocUnsafeSlow(16);
  const caches = ADMISSIONS.map((admission) => {
    const l1 = new L1Cache(
      { maxEntries: L1_ENTRIES, maxBytes: 2 ** 40, ttlMs: 3_600_000, frozen: false, admission },
      () => true,
    );
    for (const key of keys) l1.put(key, value, undefined, 3_600_000, l1.stamp());
    return l1;
  });
  const lookups = config.quick ? 200_000 : 2_000_000;
  const nsPerLookup: number[][] = ADMISSIONS.map(() => []);
  for (let round = 0; round < 2 * Math.max(3, config.rounds); round++) {
    for (let c = 0; c < caches.length; c++) {
      const l1 = caches[(c + round) % caches.length];
      const started = process.hrtime.bigint();
      let found = 0;
      for (let i = 0; i < lookups; i++) if (l1.fresh(keys[i % keys.length], 0)) found++;
      const ns = Number(process.hrtime.bigint() - started) / lookups;
      if (found !== lookups) throw new Error('an L1 lookup missed');
      nsPerLookup[(c + round) % caches.length].push(ns);
    }
  }
  const [off, on] = nsPerLookup.map(median);
  report.table({
    scenario: 'admission',
    title: 'L1 admission: what the sketch costs one L1 lookup (L1Cache.fresh, a hit)',
    rows: ADMISSIONS.map((admission, i) => ({
      name: `admission '${admission}'`,
      extra: {
        'ns per lookup': Math.min(...nsPerLookup[i]).toFixed(1),
        'median ns': median(nsPerLookup[i]).toFixed(1),
      },
    })),
    notes: [
      `${lookups.toLocaleString('en-US')} lookups of 5,000 resident keys ("product:<n>:details") per round, ${nsPerLookup[0].length} interleaved rounds; "ns per lookup" is the best round (interference only adds time)`,
    ],
  });
  report.target(
    'admission: sketch cost per L1 lookup, ns (median)',
    round1(on - off),
    10,
    'max',
    'ns',
  );
}

/** getOrSet served from L1, admission off and on (what a cached call pays for the sketch). */
async function hitPathCost(context: BenchContext): Promise<void> {
  const { config, redis, report } = context;
  await redis.flush();
  const keys = Array.from({ length: config.hitKeys }, (_, i) => `item:${i}`);
  const value = makeValue(1024);
  const compute = () => value;
  const contenders: Contender[] = [];
  for (const admission of ADMISSIONS)
    contenders.push(
      await libContender(`getOrSet, L1 hit, admission '${admission}'`, redis, {
        module: { l1: { admission } },
      }),
    );
  for (const contender of contenders) {
    await contender.fill(keys, value);
    for (const key of keys) await contender.getOrSet(key, compute);
  }
  const cases: Case[] = contenders.map((contender) => {
    let next = 0;
    return {
      name: contender.name,
      run: () => contender.getOrSet(keys[next++ % keys.length], compute),
    };
  });
  const table: Table = {
    scenario: 'admission',
    title: `L1 admission: getOrSet L1 hit, 1 KB values, ${config.hitKeys} keys, one sequential caller`,
    baseline: contenders[1].name,
    rows: await measureCases(context, cases, 1),
    notes: ["lib/this: admission 'frequency' ops/s ÷ the row's"],
  };
  report.table(table);
  report.target(
    "admission: getOrSet L1 hit, 'frequency' ÷ 'none'",
    opsOf(table, contenders[1].name) / opsOf(table, contenders[0].name),
    0.95,
  );
  for (const contender of contenders) await contender.close();
}

/** `length` key numbers drawn from Zipf(exponent) over 0..keys-1 (0 the most read). */
function zipfTrace(length: number, keys: number, exponent: number, seed: number): Uint32Array {
  const cdf = new Float64Array(keys);
  let sum = 0;
  for (let k = 0; k < keys; k++) cdf[k] = sum += 1 / (k + 1) ** exponent;
  const random = mulberry32(seed);
  const trace = new Uint32Array(length);
  for (let i = 0; i < length; i++) {
    const target = random() * sum;
    let low = 0;
    let high = keys - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (cdf[mid] < target) low = mid + 1;
      else high = mid;
    }
    // Spread the ranks over the key space, so hot keys are not also the first keys.
    trace[i] = (low * 7_919) % keys;
  }
  return trace;
}

/** The trace with a burst of SCAN_LENGTH fresh keys (numbered from `keys` up) every SCAN_EVERY. */
function withScans(trace: Uint32Array, keys: number): Uint32Array {
  const bursts = Math.floor(trace.length / SCAN_EVERY);
  const mixed = new Uint32Array(trace.length + bursts * SCAN_LENGTH);
  let next = keys;
  let at = 0;
  for (let i = 0; i < trace.length; i++) {
    mixed[at++] = trace[i];
    if ((i + 1) % SCAN_EVERY === 0) for (let s = 0; s < SCAN_LENGTH; s++) mixed[at++] = next++;
  }
  return mixed;
}

/** A small seeded PRNG (mulberry32): the same trace on every run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
