// What a factory decides about its result (TTL, extra tags, not storing it), applied when the run
// stores it. Kept in an AsyncLocalStorage for the factory's duration, so a decorated method reaches
// it through cacheContext() with no parameter added.
import { AsyncLocalStorage } from 'node:async_hooks';
import { CacheConfigError, CacheTooManyTagsError } from '../errors/errors.js';
import type { KeySpace } from '../keys/key-space.js';
import { mustBe } from '../options/option-kit.js';
import { parseTtl, type Ttl } from '../time/ttl.js';

/** Handed to a getOrSet factory (and returned by cacheContext() inside a @Cacheable method). */
export interface CacheFactoryContext<T = unknown> {
  /** The cache key being computed (as given, without the namespace). */
  readonly key: string;
  /** The value being replaced, when `grace` kept it past its TTL; else undefined. */
  readonly stale: T | undefined;
  /** The TTL of this result (seconds or a duration; `0`: no expiry), over the call's `ttl` and `nullTtl`. */
  setTtl(ttl: Ttl): void;
  /** Tags for this result, added to the call's own tags (which it keeps). */
  setTags(tags: string[]): void;
  /** Returns this result without storing it (the entry in Redis, if any, is left as it is). */
  skip(): void;
}

/** A getOrSet factory; it may ignore its context. */
export type Factory<T> = (context: CacheFactoryContext<T>) => T | Promise<T>;

const current = new AsyncLocalStorage<FactoryDecisions<unknown>>();

/**
 * The context of the getOrSet factory or @Cacheable method running in this async context, or
 * undefined outside one (and once it has returned).
 */
export function cacheContext<T = unknown>(): CacheFactoryContext<T> | undefined {
  const decisions = current.getStore();
  return decisions && !decisions.settled ? (decisions as FactoryDecisions<T>) : undefined;
}

/** One factory run's context, and what the factory decided through it. @internal */
export class FactoryDecisions<T> implements CacheFactoryContext<T> {
  ttlMs: number | undefined;
  tags: string[] = [];
  skipped = false;
  /** The factory has returned: the context no longer changes anything. */
  settled = false;

  constructor(
    readonly key: string,
    readonly stale: T | undefined,
    private readonly keys: KeySpace,
    /** How the call's own tags count toward limits.tagsPerEntry. */
    private readonly callTags: readonly string[],
  ) {}

  setTtl(ttl: Ttl): void {
    this.ttlMs = parseTtl(ttl, this.where('setTtl'));
  }

  setTags(tags: string[]): void {
    const where = this.where('setTags');
    if (!Array.isArray(tags))
      throw new CacheConfigError(where, mustBe('an array of tag strings', tags));
    for (const tag of tags) this.keys.tag(tag);
    const distinct = new Set([...this.callTags, ...this.tags, ...tags]).size;
    if (distinct > this.keys.maxTagsPerEntry)
      throw new CacheTooManyTagsError(where, distinct, this.keys.maxTagsPerEntry);
    this.tags = [...new Set([...this.tags, ...tags])].filter((tag) => !this.callTags.includes(tag));
  }

  skip(): void {
    this.skipped = true;
  }

  /** Runs `factory` with this context, current for cacheContext() until it settles. */
  async run(factory: Factory<T>): Promise<T> {
    try {
      return await current.run(this as FactoryDecisions<unknown>, () => factory(this));
    } finally {
      this.settled = true;
    }
  }

  private where(method: string): string {
    return `the factory context of "${this.key}": ${method}()`;
  }
}
