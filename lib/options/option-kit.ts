// The options kit every reader of options uses, so a problem reads the same wherever it is found:
// `option "<path>" must be <what>, got <value>`, and an unknown name is refused rather than
// ignored.
import { CacheConfigError } from '../errors/errors.js';
import { describeValue } from '../errors/describe-value.js';
import type { CacheClock } from '../time/clock.js';
import { parseTtl } from '../time/ttl.js';

/** The path of an option inside `where` (`''` for the top level): `writeBehind.delay`. */
export function optionPath(where: string, name: string): string {
  return where === '' ? name : `${where}.${name}`;
}

/** The one way a wrong value is put: `must be <expected>, got <value>`. */
export function mustBe(expected: string, value: unknown): string {
  return `must be ${expected}, got ${describeValue(value)}`;
}

/** Refuses anything but a plain options object; `expected` says what is accepted instead. */
export function optionsObject(
  value: unknown,
  where: string,
  expected = 'an options object',
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CacheConfigError(where, mustBe(expected, value));
  return value as Record<string, unknown>;
}

// Names that read like options but are not (an alias, a name other caching libraries use, or an
// option that lives in a group): a user who passes one is told what to write instead, rather than
// handed the list of known names: the rest of `option "<name>" is not an option: <this>`.
const REPLACED_OPTIONS: Readonly<Record<string, string>> = {
  staleTtl: 'use grace',
  maxKeyLength: 'use the module option limits: { keyLength }',
  maxTagsPerEntry: 'use the module option limits: { tagsPerEntry }',
  maxValueBytes: 'use the module option limits: { valueBytes }',
  statsHeader: 'use the module option stats: { header }',
  statsFlushInterval: 'use the module option stats: { flushInterval }',
  prometheus: 'use the module option stats: { prometheus }',
  commandTimeout: 'use the module option redisTimeouts: { command }',
  connectTimeout: 'use the module option redisTimeouts: { connect }',
  retryAfter: 'use the module option redisTimeouts: { retryAfter }',
  enableAutoPipelining:
    'set it in the ioredis options you pass (redis: { enableAutoPipelining: true }, ' +
    'cluster: { options: { enableAutoPipelining: true } }) or on your own client',
  coalesceReads: 'reads issued in one tick are always sent together (MGET): remove it',
  coalesceWrites:
    'remove it; for ioredis auto-pipelining set enableAutoPipelining in the ioredis options ' +
    'you pass (redis: { ... }) or on your own client',
  clock:
    'the clock is a provider: in a test module, ' +
    'Test.createTestingModule(...).overrideProvider(CACHE_CLOCK).useValue(new ManualClock())',
};

/**
 * A name outside `known` is most likely a typo (`tll`). `owner` names whose options they are when
 * the path does not (`@CacheResponse`); a replaced name says what to write instead.
 */
export function checkNames(
  options: object,
  known: readonly string[],
  where: string,
  owner?: string,
): void {
  const name = Object.keys(options).find((given) => !known.includes(given));
  if (name === undefined) return;
  throw new CacheConfigError(
    optionPath(where, name),
    Object.hasOwn(REPLACED_OPTIONS, name)
      ? `is not an option: ${REPLACED_OPTIONS[name]}`
      : `is not an option ${owner ? `of ${owner}` : 'here'} (known: ${known.join(', ')})`,
  );
}

/** An options object with only `known` names: `optionsObject` then `checkNames`. */
export function knownOptions(
  value: unknown,
  known: readonly string[],
  where: string,
  expected?: string,
): Record<string, unknown> {
  const options = optionsObject(value, where, expected);
  checkNames(options, known, where);
  return options;
}

export function flag(value: unknown, option: string): boolean {
  if (typeof value !== 'boolean')
    throw new CacheConfigError(option, mustBe('true or false', value));
  return value;
}

/** One of `choices` (strings): `must be 'a' or 'b', got ...`. */
export function oneOf<T extends string>(value: unknown, choices: readonly T[], option: string): T {
  if (!choices.includes(value as T))
    throw new CacheConfigError(option, mustBe(listChoices(choices), value));
  return value as T;
}

/** A whole number from `min` (default 1) to `max`: `must be a whole number from 1 to 1000, got 1.5`. */
export function wholeNumber(
  value: unknown,
  option: string,
  { min = 1, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new CacheConfigError(option, mustBe(`a whole number ${range}`, value));
  }
  return value;
}

// Node runs a timer longer than 2^31 - 1 ms (24.8 days) at once: a lease renewed every 1 ms, a
// timeout that fires immediately. Durations that drive timers are held below it.
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A duration (seconds or `'500ms'`, `'5m'`...) in whole milliseconds, from `min` (default 0; `1`
 * means "not 0") to `max` (`MAX_TIMER_MS` for durations that drive a timer).
 */
export function duration(
  value: unknown,
  option: string,
  { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
): number {
  const ms = parseTtl(value, option);
  if (ms < min)
    throw new CacheConfigError(
      option,
      min === 1 ? 'must be greater than 0' : `must be at least ${min}ms, got ${ms}ms`,
    );
  if (ms > max)
    throw new CacheConfigError(
      option,
      max === MAX_TIMER_MS
        ? `must be at most 24 days (the longest Node timer), got ${ms}ms`
        : `must be at most ${max}ms, got ${ms}ms`,
    );
  return ms;
}

/**
 * A clock (`{ now(): number }`, epoch ms): read once here, so a clock that cannot tell the time
 * fails at bootstrap rather than on the first read.
 */
export function clock(value: unknown, option: string): CacheClock {
  const expected = 'an object with a now() method returning epoch milliseconds';
  const now = (value as Partial<CacheClock> | null | undefined)?.now;
  if (typeof value !== 'object' || value === null || typeof now !== 'function')
    throw new CacheConfigError(option, mustBe(expected, value));
  let reading: unknown;
  try {
    reading = now.call(value);
  } catch (error) {
    throw new CacheConfigError(option, `threw when read: ${describeValue(error)}`, error);
  }
  if (typeof reading !== 'number' || !Number.isFinite(reading) || reading < 0)
    throw new CacheConfigError(
      option,
      `must have a now() returning epoch milliseconds (a finite number >= 0), got now() = ${describeValue(reading)}`,
    );
  return value as CacheClock;
}

/** `'a' or 'b'`, `'a', 'b' or 'c'`. */
function listChoices(choices: readonly string[]): string {
  const quoted = choices.map((choice) => `'${choice}'`);
  return quoted.length === 1
    ? quoted[0]
    : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}
