// Serializes a value for storage, for every write (set, mset, a factory's value): one place where
// a value that cannot be stored fails with a CacheSerializationError naming its key (or a
// CacheValueTooLargeError past `maxValueBytes`).
import { Injectable } from '@nestjs/common';
import { EntryCodec, type EncodedValue } from '../codec/entry-codec.js';
import { CacheSerializationError } from '../errors/serialization.error.js';
import { CacheValueTooLargeError } from '../errors/value-too-large.error.js';

@Injectable()
export class EntryEncoder {
  constructor(readonly codec: EntryCodec) {}

  async encode(key: string, value: unknown): Promise<EncodedValue> {
    try {
      return await this.codec.encodeValue(value, key);
    } catch (error) {
      if (error instanceof CacheValueTooLargeError) throw error;
      throw new CacheSerializationError(key, error);
    }
  }
}
