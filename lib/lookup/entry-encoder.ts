// Serializes a value for storage, for every write (set, mset, a factory's value): one place where
// a value that cannot be stored fails with a CacheSerializationError naming its key.
import { Injectable } from '@nestjs/common';
import { EntryCodec, type EncodedValue } from '../codec/entry-codec.js';
import { CacheSerializationError } from '../errors/serialization.error.js';

@Injectable()
export class EntryEncoder {
  constructor(readonly codec: EntryCodec) {}

  async encode(key: string, value: unknown): Promise<EncodedValue> {
    try {
      return await this.codec.encodeValue(value);
    } catch (error) {
      throw new CacheSerializationError(key, error);
    }
  }
}
