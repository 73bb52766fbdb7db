// One snapshot of everything the dashboard plots: the library's hit/miss counters (overall, per
// HTTP handler, per cached method), its hot keys, big keys and Redis memory, Redis's own keyspace
// counters, the database query counter and the write-behind queue. Counters are cumulative; the page turns them into rates.
import { Inject, Injectable } from '@nestjs/common';
import {
  RedisCacheService,
  type BigKey,
  type HitMissCounts,
  type HotKey,
  type RedisMemoryStats,
} from 'nestjs-redis-cache';
import { cachingOn } from '../config/caching-switch.js';
import { SHOP_CONFIG, type ShopConfig } from '../config/shop-config.js';
import { DEFAULT_POOL_MAX, dialectOf } from '../database/database.js';
import { QueryCounter, type QueryKind } from '../database/query-counter.js';
import { RequestMeter } from './request-meter.js';
import { BACKGROUND_ROUTE, type RouteTotals } from './route-scope.js';

export interface LiveStats {
  time: number;
  uptimeSeconds: number;
  cache: {
    enabled: boolean;
    redisAvailable: boolean;
    hits: number;
    misses: number;
    hitRatio: number;
    handlers: Record<string, HitMissCounts>;
    methods: Record<string, HitMissCounts>;
  };
  /**
   * The shop's requests (the dashboard's own routes left out) and their summed durations, in total
   * and per route with the queries each sent (the write-behind worker's under BACKGROUND_ROUTE).
   */
  http: { requests: number; busyMs: number; routes: Record<string, RouteTotals> };
  /** keyspace_hits/misses of INFO stats (every client of this Redis, not only the shop); null when unavailable. */
  redisKeyspace: { hits: number; misses: number } | null;
  database: {
    dialect: 'postgres' | 'sqlite';
    queries: number;
    byKind: Record<QueryKind, number>;
    /** Milliseconds spent in queries (waiting for a connection included), summed. */
    busyMs: number;
    /** DB_LATENCY_MS: milliseconds added to every query (0: none). */
    addedLatencyMs: number;
    /** DB_POOL_MAX on PostgreSQL; null on SQLite (one connection). */
    poolMax: number | null;
  };
  /** The library's hot keys and largest entries written, and Redis's memory at the last stats flush. */
  insight: { hotKeys: HotKey[]; bigKeys: BigKey[]; memory: RedisMemoryStats | null };
  writeBehind: {
    depth: number;
    pending: number;
    delayed: number;
    deadLetters: number;
    enqueued: number;
    persisted: number;
    inFlight: number;
    fallbacks: number;
  } | null;
}

const INFO_TIMEOUT_MS = 500;

@Injectable()
export class LiveStatsService {
  private readonly started = Date.now();

  constructor(
    private readonly cache: RedisCacheService,
    private readonly queries: QueryCounter,
    private readonly requests: RequestMeter,
    @Inject(SHOP_CONFIG) private readonly config: ShopConfig,
  ) {}

  async snapshot(): Promise<LiveStats> {
    const stats = this.cache.stats();
    const [keyspace, writeBehind] = await Promise.all([this.keyspace(), this.writeBehind()]);
    return {
      time: Date.now(),
      uptimeSeconds: Math.round((Date.now() - this.started) / 1000),
      cache: {
        enabled: cachingOn(),
        redisAvailable: stats.redis.available,
        hits: stats.hits,
        misses: stats.misses,
        hitRatio: stats.hitRatio,
        handlers: stats.handlers,
        methods: stats.methods,
      },
      http: {
        requests: this.requests.requests,
        busyMs: Math.round(this.requests.totalMs),
        routes: { ...this.requests.routes(), [BACKGROUND_ROUTE]: { ...this.queries.background } },
      },
      redisKeyspace: keyspace,
      database: {
        dialect: dialectOf(this.config),
        queries: this.queries.total,
        byKind: this.queries.byKind(),
        busyMs: Math.round(this.queries.totalMs),
        addedLatencyMs: this.config.dbLatencyMs ?? 0,
        poolMax: this.config.databaseUrl ? (this.config.dbPoolMax ?? DEFAULT_POOL_MAX) : null,
      },
      insight: {
        hotKeys: stats.hotKeys ?? [],
        bigKeys: stats.bigKeys?.written ?? [],
        memory: stats.memory ?? null,
      },
      writeBehind,
    };
  }

  private async keyspace(): Promise<LiveStats['redisKeyspace']> {
    const client = this.cache.client;
    if (client.status !== 'ready' || !('info' in client)) return null;
    const info = await withTimeout(client.info('stats'));
    if (info === undefined) return null;
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    return { hits: field('keyspace_hits'), misses: field('keyspace_misses') };
  }

  private async writeBehind(): Promise<LiveStats['writeBehind']> {
    // A fresh sample of the queue in Redis, else the last one this process took.
    const stats =
      this.cache.client.status === 'ready'
        ? await withTimeout(this.cache.writeBehindQueue.stats())
        : undefined;
    const snapshot = stats ?? this.cache.stats().writeBehind;
    if (!snapshot) return null;
    const { queue } = snapshot;
    return {
      depth: queue.depth,
      pending: queue.pending,
      delayed: queue.delayed,
      deadLetters: queue.deadLetters,
      enqueued: snapshot.enqueued,
      persisted: snapshot.persisted,
      inFlight: snapshot.inFlight,
      fallbacks: snapshot.fallbacks,
    };
  }
}

/** The value, or undefined if it failed or took longer than INFO_TIMEOUT_MS: stats never hang the page. */
async function withTimeout<T>(promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), INFO_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
