// The read path's parts as providers of RedisCacheModule: each built once per module through DI
// (nothing global), so two apps in one process never share a batcher, a lock or an L1.
import type { Provider } from '@nestjs/common';
import { EntryCodec } from '../codec/entry-codec.js';
import { CacheEvents } from '../events/cache-event-bus.js';
import { KeySpace } from '../keys/key-space.js';
import { RESOLVED_CACHE_OPTIONS } from '../options/resolved-options.js';
import type { ResolvedCacheOptions } from '../options/resolved-options.js';
import { ReadBatcher } from '../redis/read-batcher.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { DistributedLock } from '../stampede/distributed-lock.js';
import { TagVersionStore } from '../tags/tag-version-store.js';
import { CacheLookup } from './cache-lookup.js';
import { ClassInstanceWarning } from './class-instance-warning.js';
import { EarlyRecompute } from './early-recompute.js';
import { EntryDecoder } from './entry-decoder.js';
import { EntryEncoder } from './entry-encoder.js';
import { EntryReader } from './entry-reader.js';
import { FactoryRun } from './factory-run.js';
import { FailSafe } from './fail-safe.js';
import { LookupCounter } from './lookup-counter.js';
import { NotStoredValues } from './not-stored-values.js';
import { SingleFlight } from './single-flight.js';
import { WriteEffects } from './write-effects.js';

export const LOOKUP_PROVIDERS: Provider[] = [
  CacheEvents,
  {
    provide: EntryCodec,
    inject: [RESOLVED_CACHE_OPTIONS],
    useFactory: (options: ResolvedCacheOptions) =>
      new EntryCodec(options.serializer, options.compression, options.maxValueBytes),
  },
  {
    provide: TagVersionStore,
    inject: [RedisConnection, KeySpace],
    useFactory: (connection: RedisConnection, keys: KeySpace) =>
      new TagVersionStore(connection.client, connection.isCluster, keys),
  },
  {
    provide: ReadBatcher,
    inject: [RedisConnection],
    useFactory: (connection: RedisConnection) =>
      new ReadBatcher(connection.client, connection.isCluster),
  },
  {
    provide: DistributedLock,
    inject: [RedisConnection, KeySpace],
    useFactory: (connection: RedisConnection, keys: KeySpace) =>
      new DistributedLock(connection.client, connection.isCluster, connection.health, keys),
  },
  EntryDecoder,
  ClassInstanceWarning,
  NotStoredValues,
  EntryEncoder,
  EntryReader,
  LookupCounter,
  WriteEffects,
  FactoryRun,
  FailSafe,
  EarlyRecompute,
  SingleFlight,
  CacheLookup,
];
