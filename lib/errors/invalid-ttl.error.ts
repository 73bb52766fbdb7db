import { describeValue } from './describe-value.js';
import { CacheOptionError } from './cache-option.error.js';

/** A time to live that is negative, not a number, too large, or has an unknown unit. */
export class InvalidTtlError extends CacheOptionError {
  constructor(option: string, value: unknown) {
    super(
      'E_CACHE_TTL',
      option,
      `must be a number of seconds >= 0 (below 2^53 ms) or a duration such as '500ms', '30s', '5m', '1h', '1d'; got ${describeValue(value)}`,
    );
  }
}
