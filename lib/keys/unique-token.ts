// Tokens unique among every process sharing a Redis, made without a round trip to Redis: a random
// prefix drawn once per generator, then a counter. Lock owners and tag versions are such tokens.
import { randomBytes } from 'node:crypto';

export class UniqueTokens {
  private readonly prefix: string;
  private counter = 0;

  /** `randomByteCount` sizes the prefix: more bytes, fewer chances that two processes draw the same. */
  constructor(randomByteCount: number) {
    this.prefix = randomBytes(randomByteCount).toString('base64url');
  }

  next(): string {
    return `${this.prefix}.${(this.counter++).toString(36)}`;
  }
}
