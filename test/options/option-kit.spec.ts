// The options kit: every options reader reports a problem the same way, `option "<path>" must be
// <what>, got <value>`, as a CacheConfigError (InvalidTtlError for a duration that is not one).
import { describe, expect, it } from 'vitest';
import { CacheConfigError, InvalidTtlError } from 'nestjs-redis-cache';
import { CacheOptionError } from '../../lib/errors/errors.js';
import { describeValue } from '../../lib/errors/describe-value.js';
import {
  checkNames,
  duration,
  flag,
  MAX_TIMER_MS,
  oneOf,
  optionsObject,
  wholeNumber,
} from '../../lib/options/option-kit.js';

function thrown(run: () => unknown): CacheOptionError {
  try {
    run();
  } catch (error) {
    return error as CacheOptionError;
  }
  throw new Error('did not throw');
}

describe('describeValue', () => {
  it.each<[unknown, string]>([
    ['5 minutes', "'5 minutes'"],
    [-1, '-1'],
    [Number.NaN, 'NaN'],
    [10n, '10n'],
    [true, 'true'],
    [null, 'null'],
    [undefined, 'undefined'],
    [[1], 'an array'],
    [{ a: 1 }, 'an object'],
    [new Date(0), 'a Date'],
    [() => 1, 'a function'],
    [Symbol('s'), 'a symbol'],
    ['x'.repeat(100), `'${'x'.repeat(60)}…'`],
  ])('shows %s as %s', (value, shown) => {
    expect(describeValue(value)).toBe(shown);
  });
});

describe('the checks', () => {
  it('name the option, say what is expected and show what was given', () => {
    const error = thrown(() => wholeNumber(1.5, 'writeBehind.concurrency', { max: 1_000 }));
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error).toMatchObject({
      code: 'E_CACHE_CONFIG',
      option: 'writeBehind.concurrency',
      problem: 'must be a whole number from 1 to 1000, got 1.5',
    });
    expect(error.message).toBe(
      'nestjs-redis-cache: option "writeBehind.concurrency" must be a whole number from 1 to 1000, got 1.5',
    );
    expect(thrown(() => wholeNumber(0, 'maxKeyLength')).problem).toBe(
      'must be a whole number >= 1, got 0',
    );
    expect(thrown(() => flag('yes', 'l1.frozen')).problem).toBe("must be true or false, got 'yes'");
    expect(thrown(() => oneOf('gzip', ['deflate', 'brotli'], 'c')).problem).toBe(
      "must be 'deflate' or 'brotli', got 'gzip'",
    );
    expect(thrown(() => optionsObject([], 'lock', 'true, false or { wait? }')).problem).toBe(
      'must be true, false or { wait? }, got an array',
    );
  });

  it('refuse an unknown name, listing the known ones', () => {
    const error = thrown(() => checkNames({ ttl: 1, tll: 2 }, ['ttl', 'tags'], 'set()'));
    expect(error).toMatchObject({
      option: 'set().tll',
      problem: 'is not an option here (known: ttl, tags)',
    });
    expect(thrown(() => checkNames({ nameSpace: 1 }, ['namespace'], '')).option).toBe('nameSpace');
  });

  it('read durations within bounds, and keep a bad duration an InvalidTtlError', () => {
    expect(duration('1m', 'd')).toBe(60_000);
    expect(duration(0, 'd')).toBe(0);
    expect(thrown(() => duration(0, 'l1.ttl', { min: 1 })).problem).toBe('must be greater than 0');
    expect(thrown(() => duration('1ms', 'statsFlushInterval', { min: 10 })).problem).toBe(
      'must be at least 10ms, got 1ms',
    );
    expect(thrown(() => duration('30d', 'lock.lease', { max: MAX_TIMER_MS })).problem).toMatch(
      /^must be at most 24 days/,
    );
    const bad = thrown(() => duration('5 weeks', 'ttl'));
    expect(bad).toBeInstanceOf(InvalidTtlError);
    expect(bad).toBeInstanceOf(CacheOptionError);
    expect(bad.message).toMatch(/^nestjs-redis-cache: option "ttl" must be a number of seconds/);
    expect(bad.problem).toMatch(/got '5 weeks'$/);
  });
});
