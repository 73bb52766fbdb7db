// Times to live: a number of seconds (the Redis convention) or a duration string, parsed once
// into milliseconds when options are read, never on the request path.
import { InvalidTtlError } from '../errors/errors.js';
import { warnIfMillisecondsLike } from './ttl-unit-warning.js';

/** Seconds (e.g. `60`, `0.5`) or a duration: `'500ms'`, `'30s'`, `'5m'`, `'1h'`, `'1d'`. `0` means no expiry. */
export type Ttl = number | `${number}${DurationUnit}`;
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Times to live of entries (`ttl`, `getOrSet().ttl`, `l1.ttl`, `nullTtl`...), not timeouts or intervals. */
const ENTRY_TTL = /(^|\.)(ttl|nullTtl)$/;
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/**
 * Parses a TTL into whole milliseconds. `option` names the setting in the error message,
 * e.g. `ttl` or `@Cacheable(ProductsService.findOne).ttl`.
 */
export function parseTtl(value: unknown, option: string): number {
  let ms: number;
  if (typeof value === 'number') {
    ms = value * 1_000;
    if (ENTRY_TTL.test(option)) warnIfMillisecondsLike(value, option);
  } else if (typeof value === 'string') {
    const match = DURATION.exec(value);
    if (!match) throw new InvalidTtlError(option, value);
    ms = Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
  } else {
    throw new InvalidTtlError(option, value);
  }
  // Beyond 2^53 ms (285,000 years) a TTL is no longer a whole number Redis would take.
  if (!Number.isFinite(ms) || ms < 0 || ms > Number.MAX_SAFE_INTEGER)
    throw new InvalidTtlError(option, value);
  // A positive TTL never rounds down to "no expiry".
  return ms > 0 ? Math.max(1, Math.round(ms)) : 0;
}

/** Seconds, minutes, hours as TTL helpers: `ttl: minutes(5)`. */
export const seconds = (n: number): number => n;
export const minutes = (n: number): number => n * 60;
export const hours = (n: number): number => n * 3_600;
export const days = (n: number): number => n * 86_400;
