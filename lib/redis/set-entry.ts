// Writes one cache entry: SET with a millisecond TTL, or without expiry when the TTL is 0.
import type { Cluster, Redis } from 'ioredis';

export function setEntry(
  client: Redis | Cluster,
  redisKey: string,
  value: Buffer,
  ttlMs: number,
): Promise<unknown> {
  return ttlMs > 0 ? client.set(redisKey, value, 'PX', ttlMs) : client.set(redisKey, value);
}
