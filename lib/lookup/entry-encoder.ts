// Serializes a value for storage, for every write (set, mset, a factory's value): one place where
// a value that cannot be stored fails with a CacheSerializationError naming its key (or a
// CacheValueTooLargeError past `maxValueBytes`), and where a class instance the serializer will
// return as a plain object is pointed out: once per cached method (or per key family for
// getOrSet/set), since a hit then returns an object without the class's methods, which would
// otherwise surface far from the cache.
import { classInstanceIn } from '../codec/class-instances.js';
import { EntryCodec, type EncodedValue } from '../codec/entry-codec.js';
import { CacheSerializationError, CacheValueTooLargeError } from '../errors/errors.js';
import { CacheEvents } from '../events/cache-event-bus.js';
import type { CacheLogger } from '../events/cache-logger.js';
import { WarnOnce } from '../events/warn-once.js';

export class EntryEncoder {
  /** Sites (methods, key families) already warned about a class instance. */
  private readonly classSites: WarnOnce;

  constructor(
    readonly codec: EntryCodec,
    private readonly events: CacheEvents,
    logger: CacheLogger,
  ) {
    this.classSites = new WarnOnce(logger);
  }

  /** `method`: the cached method writing the value, if any (named in warnings). */
  async encode(key: string, value: unknown, method?: string): Promise<EncodedValue> {
    let encoded: EncodedValue;
    try {
      encoded = await this.codec.encodeValue(value, key);
    } catch (error) {
      if (error instanceof CacheValueTooLargeError) throw error;
      throw new CacheSerializationError(key, error);
    }
    // A user's own serializer may revive classes: only the built-in ones are known to drop them.
    if (this.codec.builtInSerializer) this.checkClasses(value, key, method);
    this.events.entryWritten(key, encoded.payload.length, encoded.plainBytes, method);
    return encoded;
  }

  /** `method`: the cached method's label (`ProductsService.find`), else the key names the site. */
  private checkClasses(value: unknown, key: string, method: string | undefined): void {
    const site = method ?? `"${familyOf(key)}"`;
    // Once a site was warned about, its values are not walked again.
    if (this.classSites.has(site)) return;
    // Instances of the classes in `serializer.classes` come back as such.
    const found = classInstanceIn(value, this.codec.revivesClassOf);
    if (!found) return;
    const what = found.path === '' ? '' : ` at ${found.path}`;
    const source =
      method === undefined ? `The value cached under ${site} holds` : `${method} returned`;
    this.classSites.warn(
      site,
      () =>
        `${source} a ${found.className} instance${what}; a cache hit returns a plain object in ` +
        'its place (its methods and prototype are lost). Cache plain data, or list the class to ' +
        `be revived (serializer: { classes: [${found.className}] }). Not logged again for this site.`,
    );
  }
}

/** The key's first segment and a wildcard (`product:42` → `product:*`): one warning per family. */
function familyOf(key: string): string {
  const colon = key.indexOf(':');
  return colon < 0 ? key : `${key.slice(0, colon)}:*`;
}
