// Settings of the in-process L1 tier: bounds (entries and bytes), its own TTL, and the per-call
// switch. Parsed once; a per-call `l1` may only shorten or turn off what the module configured.
import { duration, flag, knownOptions, oneOf, wholeNumber } from '../options/option-kit.js';
import type { Ttl } from '../time/ttl.js';
import type { L1Admission, L1Invalidation, L1Settings } from '../options/resolved-options.js';

export type { L1Admission, L1Invalidation, L1Settings };

export interface L1Options {
  /** Most entries kept in this process. Default `10000`. */
  maxEntries?: number;
  /** Most bytes kept (stored entry bytes plus keys). Default `67108864` (64 MiB). */
  maxBytes?: number;
  /** How long an entry stays in L1; never longer than the entry's own TTL. Default `'10s'`. */
  ttl?: Ttl;
  /**
   * Hand out one deep-frozen value per plain-JSON entry instead of a copy per hit: faster, and
   * still safe (a caller that writes to it gets a TypeError). Values with Date, Map, Set... are
   * still decoded per hit. Default `false`.
   */
  frozen?: boolean;
  /**
   * How other instances' writes evict this instance's L1. `'bus'` (default): each write is
   * announced with a PUBLISH on the namespace's channel. `'tracking'`: Redis itself reports every
   * change to the namespace's keys (`CLIENT TRACKING ... BCAST PREFIX`, redirected to the
   * subscriber connection), so writes made outside the library (another service, redis-cli)
   * evict too, and writes publish nothing. Every instance of a namespace must use the same mode.
   * Redis 6 or later; not on Redis Cluster yet.
   */
  invalidation?: L1Invalidation;
  /**
   * Which keys L1 keeps once it is full. `'none'` (default): every key read, least recently used
   * out first (an LRU). `'frequency'`: a key comes in only if it was read more often lately than
   * the entry it would push out (TinyLFU: a 4-bit count-min sketch of the reads, 8 bytes per
   * entry of `maxEntries`, halved every 10 × maxEntries reads), so a scan or a burst of keys read
   * once cannot evict the hot set. Kept-out keys are still read from Redis.
   */
  admission?: L1Admission;
}

/** Per call: `true` (module L1 TTL), `false` (skip L1) or an L1 TTL of its own. */
export type L1CallOption = boolean | Ttl;

const L1_OPTION_NAMES = ['maxEntries', 'maxBytes', 'ttl', 'frozen', 'invalidation', 'admission'];

export function resolveL1Settings(value: unknown, option = 'l1'): L1Settings | false {
  if (value === undefined || value === false) return false;
  if (value === true) value = {};
  const l1 = knownOptions(
    value,
    L1_OPTION_NAMES,
    option,
    'true, false or { maxEntries?, maxBytes?, ttl?, frozen?, invalidation?, admission? }',
  ) as L1Options;
  return {
    maxEntries: wholeNumber(l1.maxEntries ?? 10_000, `${option}.maxEntries`),
    maxBytes: wholeNumber(l1.maxBytes ?? 64 * 1024 * 1024, `${option}.maxBytes`),
    ttlMs: duration(l1.ttl ?? '10s', `${option}.ttl`, { min: 1 }),
    frozen: flag(l1.frozen ?? false, `${option}.frozen`),
    invalidation: oneOf(l1.invalidation ?? 'bus', ['bus', 'tracking'], `${option}.invalidation`),
    admission: oneOf(l1.admission ?? 'none', ['none', 'frequency'], `${option}.admission`),
  };
}

/** Per-call value: undefined = module default, false = off, true = module TTL, number = TTL in ms. */
export function resolveL1Call(value: unknown, option: string): number | boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  const ms = duration(value, option);
  return ms === 0 ? false : ms;
}
