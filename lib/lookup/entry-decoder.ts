// An entry's bytes to its value, once per read: undefined when corrupt, over `maxValueBytes` (a
// miss, logged once per key, announced) or a tag was invalidated since. Synchronous where it can
// be (uncompressed, untagged), so a hit costs no extra promise.
import type { CacheLogger } from '../events/cache-logger.js';
import { EntryCodec, type DecodedEntry } from '../codec/entry-codec.js';
import { CacheEntryTooLargeError } from '../errors/errors.js';
import { CacheEvents } from '../events/cache-event-bus.js';
import { cacheEvents } from '../events/cache-events.js';
import { WarnOnce } from '../events/warn-once.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { TagVersionStore, type KnownTagVersions } from '../tags/tag-version-store.js';
import type { Found } from './lookup-request.js';

export type MaybePromise<T> = T | Promise<T>;

export class EntryDecoder {
  private readonly rejectedKeys: WarnOnce;

  constructor(
    readonly codec: EntryCodec,
    private readonly tags: TagVersionStore,
    private readonly connection: RedisConnection,
    private readonly events: CacheEvents,
    logger: CacheLogger,
  ) {
    this.rejectedKeys = new WarnOnce(logger);
  }

  /** The entry in these bytes, if valid; `known` holds tag versions read alongside it. */
  found(key: string, raw: Buffer, known?: KnownTagVersions): MaybePromise<Found | undefined> {
    this.events.entryRead(key, raw);
    let decoded: MaybePromise<DecodedEntry>;
    try {
      decoded = this.codec.decode(raw);
    } catch (error) {
      return this.rejected(key, error);
    }
    if (decoded instanceof Promise)
      return decoded.then(
        (entry) => this.checked(key, raw, entry, known),
        (error: unknown) => this.rejected(key, error),
      );
    return this.checked(key, raw, decoded, known);
  }

  private checked(
    key: string,
    raw: Buffer,
    entry: DecodedEntry,
    known: KnownTagVersions | undefined,
  ): MaybePromise<Found | undefined> {
    const found = { raw, entry, freshUntil: entry.meta?.f ?? Number.POSITIVE_INFINITY };
    const recorded = entry.meta?.tags;
    if (!recorded) return found;
    // Redis unable to tell (undefined) counts as invalid: never serve what may be invalidated.
    return this.connection.health
      .attempt(() => this.tags.stillValid(recorded, known), 'read')
      .then((valid) => (valid ? found : undefined));
  }

  /** An entry that is read as a miss for what it holds; the next write of the key replaces it. */
  private rejected(key: string, error: unknown): undefined {
    const tooLarge = error instanceof CacheEntryTooLargeError;
    const kind = tooLarge ? 'too-large' : 'corrupt';
    this.events.emit(cacheEvents.entryRejected(key, kind, error));
    this.rejectedKeys.warn(`${kind}\u0000${key}`, () =>
      tooLarge
        ? `Entry "${key}" holds more than limits.valueBytes (${error.limit} bytes) and is treated as a miss; reading stopped there. Counted in stats().values.oversizedEntries; not logged again for this key.`
        : `Entry "${key}" cannot be decoded and is treated as a miss: ${(error as Error).message}. Counted in stats().values.corruptEntries; not logged again for this key.`,
    );
    return undefined;
  }
}
