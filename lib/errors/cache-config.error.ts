import { RedisCacheError } from './redis-cache.error.js';

/** An option of RedisCacheModule (or of a decorator) is invalid; thrown at bootstrap. */
export class CacheConfigError extends RedisCacheError {
  constructor(option: string, problem: string, cause?: unknown) {
    super('E_CACHE_CONFIG', `nestjs-redis-cache: option "${option}" ${problem}`, { option, cause });
  }
}

/** How an error message shows a bad argument: its type, or `null`/an array. */
export function describeArgument(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
