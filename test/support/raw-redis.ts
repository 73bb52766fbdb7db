// A plain ioredis client for tests to look at (or tamper with) what the cache stored, and a
// SCAN over one namespace, so a test can check exactly which keys exist.
import { Redis } from 'ioredis';
import { sharedRedisUrl } from './cache-app.js';

/** A client on the suite's Redis (or `url`); quit it in afterAll. */
export function rawRedis(url: string = sharedRedisUrl()): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  return client;
}

/** Every key a namespace owns (entries `{ns}:*` and bookkeeping `{ns}#*`), sorted. */
export async function namespaceKeys(client: Redis, namespace: string): Promise<string[]> {
  const found: string[] = [];
  for (const match of [`${namespace}:*`, `${namespace}#*`]) {
    for await (const batch of client.scanStream({ match, count: 1000 }) as AsyncIterable<
      string[]
    >) {
      found.push(...batch);
    }
  }
  return [...new Set(found)].sort();
}

/** The Redis key of a user key, as the library lays it out: `{namespace}:{key}`. */
export function entryKey(namespace: string, key: string): string {
  return `${namespace}:${key}`;
}

/** The Redis key of a tag's version: `{namespace}#tag:{tag}`. */
export function tagKey(namespace: string, tag: string): string {
  return `${namespace}#tag:${tag}`;
}
