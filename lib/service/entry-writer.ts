// The service's writes: set, mset (all checked and serialized before anything is sent; one
// transaction on a single node), del, and clear (SCAN in batches, never KEYS, this namespace only).
// While Redis is down writes are skipped; clear fails instead.
import type { Cluster, Redis } from 'ioredis';
import type { EncodedValue, EntryMeta } from '../codec/entry-codec.js';
import { CacheSerializationError } from '../errors/errors.js';
import { KeySpace } from '../keys/key-space.js';
import { EntryEncoder } from '../lookup/entry-encoder.js';
import type { EntryStore } from '../lookup/entry-store.js';
import { WriteEffects } from '../lookup/write-effects.js';
import type { ResolvedCacheOptions } from '../options/resolved-options.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { TagVersionStore } from '../tags/tag-version-store.js';
import { parseTtl } from '../time/ttl.js';
import type { CacheWriteTarget } from '../write/write-strategies.js';
import {
  checkOptionNames,
  checkTags,
  WRITE_OPTION_NAMES,
  type CacheWriteOptions,
} from './get-or-set-options.js';

const SCAN_BATCH = 500;

/** One entry of a set/mset, checked and serialized, ready to send. */
export interface WritePlan {
  redisKey: string;
  key: string;
  encoded: EncodedValue;
  ttlMs: number;
  tags: string[];
  /** Freshness metadata (when an L1 must know when the entry expires). */
  meta?: EntryMeta;
}

/** Also how write-through and write-behind write the cache (the decorators' invokers use it too). */
export class EntryWriter implements CacheWriteTarget {
  constructor(
    private readonly options: ResolvedCacheOptions,
    private readonly connection: RedisConnection,
    private readonly keys: KeySpace,
    private readonly encoder: EntryEncoder,
    private readonly tags: TagVersionStore,
    private readonly entries: EntryStore,
    private readonly effects: WriteEffects,
  ) {}

  async set(key: string, value: unknown, options: CacheWriteOptions = {}): Promise<void> {
    checkOptionNames(options, WRITE_OPTION_NAMES, 'set()');
    await this.write([await this.plan(key, value, options, 'set()')]);
  }

  /** Checks and serializes one entry; `where` names the call in errors (`mset()[2]`). */
  async plan(
    key: string,
    value: unknown,
    options: CacheWriteOptions,
    where: string,
    method?: string,
  ): Promise<WritePlan> {
    const redisKey = this.keys.entry(key);
    const ttlMs =
      options?.ttl === undefined ? this.options.ttlMs : parseTtl(options.ttl, `${where}.ttl`);
    const tags = checkTags(options?.tags, this.keys, `${where}.tags`);
    if (value === undefined) {
      throw new CacheSerializationError(
        key,
        new TypeError('undefined means "absent" and is never stored; use del() to remove a key'),
      );
    }
    const encoded = await this.encoder.encode(key, value, method);
    return { redisKey, key, encoded, ttlMs, tags, meta: this.effects.writeMeta(ttlMs) };
  }

  /**
   * Stores a value the app computed (@CachePut, write-through) and never fails for what the value
   * is: one that cannot be stored is reported (write-effects.ts) and the key's entry deleted,
   * since it no longer holds what was just computed. Bad keys, TTLs and tags still throw.
   */
  async setComputed(
    key: string,
    value: unknown,
    options: CacheWriteOptions = {},
    method?: string,
  ): Promise<void> {
    let plan: WritePlan;
    try {
      plan = await this.plan(key, value, options, 'set()', method);
    } catch (error) {
      if (!this.effects.isNotStorable(error)) throw error;
      this.effects.notStored(key, method, error);
      await this.del(key);
      return;
    }
    await this.write([plan]);
  }

  /** Stores planned entries, with their tags in the same step; skipped (and counted) when Redis is unavailable. */
  async write(plans: WritePlan[]): Promise<void> {
    if (plans.length === 0) return;
    const tags = plans.flatMap((plan) => plan.tags);
    const reservation = tags.length > 0 ? await this.entries.reserve(tags) : undefined;
    let landed = false;
    if (tags.length === 0 || reservation) {
      try {
        const entries = plans.map((plan) => ({
          ...plan,
          raw: this.encoder.codec.assemble(
            plan.encoded,
            plan.tags.length > 0
              ? { ...plan.meta, tags: reservation!.versionsOf(plan.tags) }
              : plan.meta,
          ),
        }));
        landed = (await this.entries.store(entries, { reservation })) !== undefined;
      } finally {
        // Tags created for a write that did not land go again (they are nobody's).
        await reservation?.end(this.connection.health);
      }
    }
    // Even a skipped write evicts: L1 must not keep serving what the caller meant to replace.
    await this.effects.written(
      plans.map((plan) => plan.key),
      landed,
    );
  }

  async del(...keys: string[]): Promise<number> {
    const redisKeys = keys.map((key) => this.keys.entry(key));
    if (redisKeys.length === 0) return 0;
    const { client, isCluster } = this.connection;
    const deleted = await this.redisWrite(async () => {
      if (!isCluster) return client.del(...redisKeys);
      const counts = await Promise.all(redisKeys.map((key) => client.del(key)));
      return counts.reduce((sum, n) => sum + n, 0);
    }, redisKeys[0]);
    await this.effects.deleted(keys);
    return deleted ?? 0;
  }

  async invalidateTags(tags: string[]): Promise<void> {
    await this.redisWrite(() => this.tags.invalidate(tags));
    await this.effects.tagsInvalidated(tags);
  }

  /** Deletes every entry and tag version of this namespace, on every master node. */
  async clear(): Promise<void> {
    const { client, isCluster } = this.connection;
    const nodes = isCluster ? (client as Cluster).nodes('master') : [client as Redis];
    await Promise.all(
      nodes.flatMap((node) =>
        this.keys.scanPatterns.map((pattern) => clearPattern(node, pattern, isCluster)),
      ),
    );
    await this.effects.cleared();
  }

  private redisWrite<T>(operation: () => Promise<T>, key?: string): Promise<T | undefined> {
    return this.connection.health.attempt(operation, 'write', key);
  }
}

async function clearPattern(node: Redis, pattern: string, isCluster: boolean): Promise<void> {
  const stream = node.scanStream({ match: pattern, count: SCAN_BATCH });
  for await (const batch of stream as AsyncIterable<string[]>) {
    if (batch.length === 0) continue;
    // On a cluster node the keys of one batch may sit in different slots: one UNLINK each.
    if (isCluster) await Promise.all(batch.map((key) => node.unlink(key)));
    else await node.unlink(...batch);
  }
}
