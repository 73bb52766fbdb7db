// Options of getOrSet (and of @Cacheable, which forwards them), validated once into the form the
// lookup runs on: at bootstrap for decorators, per call for direct getOrSet calls.
import { CacheConfigError, CacheTooManyTagsError } from '../errors/errors.js';
import { knownOptions, mustBe, optionPath } from '../options/option-kit.js';
import { parseTtl, type Ttl } from '../time/ttl.js';
import type { KeySpace } from '../keys/key-space.js';
import type { ResolvedGetOrSet } from '../lookup/lookup-request.js';
import {
  RESILIENCE_OPTION_NAMES,
  resolveResilience,
  type ResilienceOptions,
} from '../stampede/resilience-options.js';
import { resolveL1Call, type L1CallOption } from '../tiers/l1-options.js';
import { WRITE_OPTION_NAMES, type CacheWriteOptions } from '../write/cache-write-options.js';

export { WRITE_OPTION_NAMES, type CacheWriteOptions };

/** Options of getOrSet: what to write, plus origin protection (lock, grace, timeouts, L1). */
export interface GetOrSetOptions extends CacheWriteOptions, ResilienceOptions {
  /** In-process L1 for this call: `true`, `false`, or an L1 TTL; default: on when the module configures `l1`. */
  l1?: L1CallOption;
  /** TTL of a `null` result (negative caching); default `ttl`. A factory's `setTtl` overrides it. */
  nullTtl?: Ttl;
}

/** The option names of getOrSet() (GetOrSetOptions); @Cacheable and @CachePut forward these. */
export const GET_OR_SET_OPTION_NAMES: readonly string[] = [
  ...WRITE_OPTION_NAMES,
  'l1',
  'nullTtl',
  ...RESILIENCE_OPTION_NAMES,
];

/** Refuses a non-object or an unknown name (a typo such as `tll` would pass unseen); null: none. */
export function checkOptionNames(options: unknown, known: readonly string[], where: string): void {
  if (options !== undefined && options !== null) knownOptions(options, known, where);
}

/** @internal */
export function resolveGetOrSetOptions(
  options: GetOrSetOptions | undefined,
  defaultTtlMs: number,
  keys: KeySpace,
  where: string,
): ResolvedGetOrSet {
  checkOptionNames(options, GET_OR_SET_OPTION_NAMES, where);
  return {
    ttlMs:
      options?.ttl === undefined ? defaultTtlMs : parseTtl(options.ttl, optionPath(where, 'ttl')),
    nullTtlMs:
      options?.nullTtl === undefined
        ? undefined
        : parseTtl(options.nullTtl, optionPath(where, 'nullTtl')),
    tags: checkTags(options?.tags, keys, optionPath(where, 'tags')),
    resilience: resolveResilience(options, where),
    l1: resolveL1Call(options?.l1, optionPath(where, 'l1')),
  };
}

/**
 * Validates a list of tags (each a non-empty string within the key length limit; for an entry's
 * tags, at most `limits.tagsPerEntry` distinct ones, counted before anything else is looked at).
 */
export function checkTags(tags: unknown, keys: KeySpace, where: string, perEntry = true): string[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags))
    throw new CacheConfigError(where, mustBe('an array of tag strings', tags));
  const limit = keys.maxTagsPerEntry;
  if (perEntry && tags.length > limit) {
    const distinct = new Set(tags).size;
    if (distinct > limit) throw new CacheTooManyTagsError(where, distinct, limit);
  }
  for (const tag of tags) keys.tag(tag);
  return tags as string[];
}
