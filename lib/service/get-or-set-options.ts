// Options of getOrSet (and of @Cacheable, which forwards them), validated once into the form the
// lookup runs on: at bootstrap for decorators, per call for direct getOrSet calls.
import { parseTtl, type Ttl } from '../time/ttl.js';
import type { KeySpace } from '../keys/key-space.js';

export interface CacheWriteOptions {
  /** Time to live: seconds or a duration string; default the module's `ttl`. `0` means no expiry. */
  ttl?: Ttl;
  /** Tags to invalidate this entry by, with `invalidateTags()`. */
  tags?: string[];
}

/** Options of getOrSet. */
export type GetOrSetOptions = CacheWriteOptions;

export interface ResolvedGetOrSet {
  ttlMs: number;
  tags: string[];
}

/** Per-call context of a lookup made on behalf of a decorated method. */
export interface LookupContext {
  /** `ClassName.method`, for per-method statistics. */
  method?: string;
  /** Return false to hand the value back without storing it (`unless`, `cacheNull: false`). */
  shouldStore?: (value: unknown) => boolean;
}

export function resolveGetOrSetOptions(
  options: GetOrSetOptions | undefined,
  defaultTtlMs: number,
  keys: KeySpace,
  where: string,
): ResolvedGetOrSet {
  return {
    ttlMs: options?.ttl === undefined ? defaultTtlMs : parseTtl(options.ttl, `${where}.ttl`),
    tags: checkTags(options?.tags, keys, `${where}.tags`),
  };
}

/** Validates a list of tags (each a non-empty string within the key length limit). */
export function checkTags(tags: unknown, keys: KeySpace, where: string): string[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags)) throw new TypeError(`${where}: tags must be an array of strings`);
  for (const tag of tags) keys.tag(tag);
  return tags as string[];
}
