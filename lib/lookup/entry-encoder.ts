// Serializes a value for storage, for every write (set, mset, a factory's value): one place where
// a value that cannot be stored fails with a CacheSerializationError naming its key (or a
// CacheValueTooLargeError past `maxValueBytes`), and where a class instance the serializer will
// return as a plain object is pointed out (once per method or key family).
import { EntryCodec, type EncodedValue } from '../codec/entry-codec.js';
import { CacheSerializationError, CacheValueTooLargeError } from '../errors/errors.js';
import { CacheEvents } from '../events/cache-event-bus.js';
import { ClassInstanceWarning } from './class-instance-warning.js';

export class EntryEncoder {
  constructor(
    readonly codec: EntryCodec,
    private readonly classes: ClassInstanceWarning,
    private readonly events: CacheEvents,
  ) {}

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
    if (this.codec.builtInSerializer)
      this.classes.check(value, key, method, this.codec.revivesClassOf);
    this.events.entryWritten(key, encoded.payload.length, encoded.plainBytes, method);
    return encoded;
  }
}
