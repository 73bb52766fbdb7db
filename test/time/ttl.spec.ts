// The TTL parser: a number is seconds, a string carries its unit; anything else is an
// InvalidTtlError that names the option it came from.
import { describe, expect, it } from 'vitest';
import { InvalidTtlError, minutes, seconds } from '../../lib/index.js';
import { days, hours, parseTtl } from '../../lib/time/ttl.js';

describe('parseTtl', () => {
  it.each([
    [60, 60_000],
    [1, 1_000],
    [0.5, 500],
    [0, 0],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1.5s', 1_500],
    ['0s', 0],
    ['0ms', 0],
  ])('reads %j as %i ms', (input, expected) => {
    expect(parseTtl(input, 'ttl')).toBe(expected);
  });

  it('never rounds a positive TTL down to "no expiry"', () => {
    expect(parseTtl(0.0001, 'ttl')).toBe(1);
    expect(parseTtl('0.2ms', 'ttl')).toBe(1);
  });

  it.each([
    ['a negative number', -1],
    ['a negative duration', '-5s'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['an unknown unit', '5w'],
    ['a unit alone', 'ms'],
    ['a number without a unit in a string', '30'],
    ['an empty string', ''],
    ['garbage', 'soon'],
    ['a boolean', true],
    ['null', null],
    ['undefined', undefined],
    ['an object', { seconds: 5 }],
    ['an array', [5]],
    ['a bigint', 5n],
    ['a TTL Redis cannot take (over 2^53 ms)', 1e16],
  ])('rejects %s with an error naming the option', (_label, input) => {
    let error: unknown;
    try {
      parseTtl(input, 'myOption.ttl');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidTtlError);
    const ttlError = error as InvalidTtlError;
    expect(ttlError.code).toBe('E_CACHE_TTL');
    expect(ttlError.option).toBe('myOption.ttl');
    expect(ttlError.message).toContain('myOption.ttl');
  });

  it('shows the offending value in the message', () => {
    expect(() => parseTtl('5w', 'ttl')).toThrow(/'5w'/);
    expect(() => parseTtl(-3, 'ttl')).toThrow(/-3/);
  });

  it('has helpers that produce seconds', () => {
    expect(seconds(5)).toBe(5);
    expect(minutes(5)).toBe(300);
    expect(hours(2)).toBe(7_200);
    expect(days(1)).toBe(86_400);
    expect(parseTtl(minutes(5), 'ttl')).toBe(parseTtl('5m', 'ttl'));
  });
});
