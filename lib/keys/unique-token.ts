// Tokens unique among every process sharing a Redis, made without a round trip to Redis: a random
// prefix drawn once per generator, then a counter. Lock owners and tag versions are such tokens.
import { randomBytes } from 'node:crypto';

/** `randomByteCount` sizes the prefix: more bytes, fewer chances that two processes draw the same. */
export function uniqueTokens(randomByteCount: number): () => string {
  const prefix = randomBytes(randomByteCount).toString('base64url');
  let counter = 0;
  return () => `${prefix}.${(counter++).toString(36)}`;
}
