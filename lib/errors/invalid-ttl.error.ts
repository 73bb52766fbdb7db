import { RedisCacheError } from './redis-cache.error.js';

/** A time to live that is negative, not a number, too large, or has an unknown unit. */
export class InvalidTtlError extends RedisCacheError {
  constructor(option: string, value: unknown) {
    super(
      'E_CACHE_TTL',
      `nestjs-redis-cache: "${option}" must be a number of seconds >= 0 (below 2^53 ms) or a duration such as '500ms', '30s', '5m', '1h', '1d'; got ${describe(value)}`,
      { option },
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value === null) return 'null';
  return typeof value;
}
