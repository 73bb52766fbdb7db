// The settings the library runs on, as RedisCacheModule resolved them from its options at
// bootstrap, and the token every layer injects them with. A leaf: the types of each concern's
// resolved settings live here so that no lower folder imports module/ to read them.
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { OpenTelemetrySettings } from './opentelemetry-types.js';

export const RESOLVED_CACHE_OPTIONS = Symbol('redis_cache:resolved_options');

export type CompressionAlgorithm = 'deflate' | 'brotli';

export interface CompressionSettings {
  /** Values whose serialized form is larger than this many bytes are compressed. */
  threshold: number;
  algorithm: CompressionAlgorithm;
}

export interface CacheSerializer {
  /** Throws when the value cannot be represented; the cache then writes nothing. */
  serialize(value: unknown): string | Uint8Array;
  deserialize(data: Buffer): unknown;
}

export type LockTimeoutFallback = 'compute' | 'throw';

export interface ResolvedLock {
  waitMs: number;
  leaseMs: number;
  /** How long one holder keeps the lock at most (its lease is renewed no further). */
  maxHoldMs: number;
  onTimeout: LockTimeoutFallback;
}

/** The effective protection settings of one lookup. */
export interface ResiliencePolicy {
  lock: ResolvedLock | false;
  graceMs: number;
  graceBackoffMs: number;
  /** false: no soft timeout. */
  softTimeoutMs: number | false;
  hardTimeoutMs: number | false;
  beta: number;
}

/** How other instances' writes reach this instance's L1 (see L1Options.invalidation). */
export type L1Invalidation = 'bus' | 'tracking';

/** Which keys the L1 keeps (see L1Options.admission). */
export type L1Admission = 'none' | 'frequency';

export interface L1Settings {
  maxEntries: number;
  maxBytes: number;
  ttlMs: number;
  frozen: boolean;
  invalidation: L1Invalidation;
  admission: L1Admission;
}

export interface StatsSettings {
  header: string | false;
  flushIntervalMs: number | false;
  /** `'default'`: prom-client's default registry, loaded at bootstrap. */
  prometheus: PrometheusRegistry | 'default' | false;
  openTelemetry: OpenTelemetrySettings;
}

/** The part of a prom-client `Registry` the library uses. */
export interface PrometheusRegistry {
  registerMetric(metric: never): void;
  removeSingleMetric(name: string): void;
}

export interface ResolvedBackoff {
  baseMs: number;
  maxMs: number;
}

export interface ResolvedJobOptions {
  coalesce: boolean;
  delayMs: number;
  maxAttempts: number;
  backoff: ResolvedBackoff;
}

export interface ResolvedDurability {
  replicas: number;
  timeoutMs: number;
  onTimeout: 'reject' | 'warn';
}

export interface ResolvedWriteBehindOptions extends ResolvedJobOptions {
  worker: boolean;
  concurrency: number;
  batchSize: number;
  blockTimeMs: number;
  claimIdleMs: number;
  drainTimeoutMs: number;
  /** Undefined: 1, or DEFAULT_CLUSTER_SHARDS on Cluster (the topology is known once connected). */
  shards: number | undefined;
  durability: ResolvedDurability | undefined;
}

export type ConnectionTarget =
  | { kind: 'client'; client: Redis | Cluster }
  | { kind: 'url'; url: string; redis: RedisOptions }
  | { kind: 'options'; redis: RedisOptions }
  | { kind: 'cluster'; cluster: { nodes: ClusterNode[]; options?: ClusterOptions } }
  /** No Redis at all (nestjs-redis-cache/testing's disabled module): reads miss, writes are skipped. */
  | { kind: 'disabled' };

export interface ResolvedCacheOptions {
  connection: ConnectionTarget;
  namespace: string;
  ttlMs: number;
  serializer: CacheSerializer;
  compression: CompressionSettings | false;
  maxKeyLength: number;
  maxTagsPerEntry: number;
  /** Largest serialized value stored, in bytes. */
  maxValueBytes: number;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  retryAfterMs: number;
  /** Default lock, grace, timeouts and early recomputation of lookups. */
  resilience: ResiliencePolicy;
  l1: L1Settings | false;
  /** X-Cache header and cluster counter flushing. */
  stats: StatsSettings;
  /** Write-behind queue and worker settings. */
  writeBehind: ResolvedWriteBehindOptions;
}
