import { RedisCacheError } from './redis-cache.error.js';

/** An entry was given more tags than `limits.tagsPerEntry`; nothing was written. */
export class CacheTooManyTagsError extends RedisCacheError {
  constructor(
    where: string,
    readonly tagCount: number,
    readonly limit: number,
  ) {
    super(
      'E_CACHE_TOO_MANY_TAGS',
      `nestjs-redis-cache: ${where} has ${tagCount} tags, the limit is ${limit} per entry (option limits.tagsPerEntry). Nothing was written.`,
      { option: 'limits.tagsPerEntry' },
    );
  }
}
