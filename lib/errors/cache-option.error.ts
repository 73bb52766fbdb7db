import { RedisCacheError, type RedisCacheErrorCode } from './redis-cache.error.js';

/**
 * An option has a value that cannot work. Every option problem the library reports has this
 * shape: `option "<path>" <problem>`, with the path and the problem as fields, so a caller that
 * wraps it (a decorator naming its method) composes the two and keeps this error as `cause`.
 */
export abstract class CacheOptionError extends RedisCacheError {
  declare readonly option: string;

  protected constructor(
    code: RedisCacheErrorCode,
    option: string,
    /** What is wrong with the value, without the option's name: `must be ..., got ...`. */
    readonly problem: string,
    cause?: unknown,
  ) {
    super(code, `nestjs-redis-cache: option "${option}" ${problem}`, { option, cause });
  }
}
