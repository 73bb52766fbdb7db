// A @nestjs/terminus health indicator without depending on terminus (it only reads the
// `{ [key]: { status } }` shape, built here): Redis reachability and latency (every master on
// Cluster), the L1 invalidation bus, the write-behind backlog and dead letters.
import type { Cluster, Redis } from 'ioredis';
import { type ResolvedCacheOptions } from '../options/resolved-options.js';
import {
  duration,
  knownOptions,
  MAX_TIMER_MS,
  optionPath,
  wholeNumber,
} from '../options/option-kit.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { CacheBus } from '../tiers/cache-bus.js';
import type { WriteBehindQueueSample } from '../write/write-behind-stats.js';
import { WriteStrategies } from '../write/write-strategies.js';

export type CacheHealthStatus = 'up' | 'degraded' | 'down';

export interface CacheHealthOptions {
  /** How long a PING may take before Redis counts as unreachable (seconds or `'500ms'`). Default: the module's `redisTimeouts.command`. */
  timeout?: number | string;
  /** `down` when more write-behind jobs than this wait to be persisted. Default: not checked. */
  maxBacklog?: number;
  /** `down` when the dead-letter stream holds more jobs than this. Default: not checked. */
  maxDeadLetters?: number;
}

export interface CacheHealthDetails {
  status: CacheHealthStatus;
  /** Why the status is not `up`. */
  message?: string;
  redis: { reachable: boolean; latencyMs?: number; nodesDown?: string[] };
  /** Only with `l1`: whether the invalidation bus receives messages (L1 is bypassed when not). */
  l1?: { bus: 'listening' | 'not listening' };
  writeBehind: { backlog: number; deadLetters: number; worker: boolean };
}

/** The shape terminus's `HealthCheckService.check([...])` expects (`HealthIndicatorResult`). */
export type CacheHealthResult<Key extends string> = Record<Key, CacheHealthDetails>;

const OPTION_NAMES = ['timeout', 'maxBacklog', 'maxDeadLetters'];

export class RedisCacheHealthIndicator {
  /** @internal The engine builds it; inject it. */
  constructor(
    private readonly options: ResolvedCacheOptions,
    private readonly connection: RedisConnection,
    private readonly bus: CacheBus,
    private readonly writes: WriteStrategies,
  ) {}

  /**
   * `() => indicator.isHealthy('cache')` in `HealthCheckService.check([...])`: `down` when Redis
   * does not answer a PING within `timeout` (or a backlog limit is passed), `degraded` when a
   * Cluster master is down or the L1 bus is not listening, else `up`.
   */
  async isHealthy<const Key extends string = 'redisCache'>(
    key: Key = 'redisCache' as Key,
    options: CacheHealthOptions = {},
  ): Promise<CacheHealthResult<Key>> {
    const { timeoutMs, maxBacklog, maxDeadLetters } = checkOptions(options);
    const redis = await this.ping(timeoutMs ?? this.options.commandTimeoutMs);
    const queue = await this.queueSample(redis.reachable);
    const details: CacheHealthDetails = {
      status: 'up',
      redis,
      writeBehind: {
        backlog: queue.depth,
        deadLetters: queue.deadLetters,
        worker: this.writes.queue.snapshot().worker,
      },
    };
    if (this.bus.l1) details.l1 = { bus: this.bus.live ? 'listening' : 'not listening' };
    const down: string[] = [];
    const degraded: string[] = [];
    if (!redis.reachable) down.push('Redis does not answer');
    if (maxBacklog !== undefined && queue.depth > maxBacklog)
      down.push(`write-behind backlog ${queue.depth} > ${maxBacklog}`);
    if (maxDeadLetters !== undefined && queue.deadLetters > maxDeadLetters)
      down.push(`write-behind dead letters ${queue.deadLetters} > ${maxDeadLetters}`);
    if (redis.nodesDown && redis.nodesDown.length > 0)
      degraded.push(`Redis Cluster nodes down: ${redis.nodesDown.join(', ')}`);
    if (details.l1?.bus === 'not listening' && redis.reachable)
      degraded.push('the L1 invalidation bus is not listening (L1 bypassed)');
    if (down.length > 0) details.status = 'down';
    else if (degraded.length > 0) details.status = 'degraded';
    if (details.status !== 'up') details.message = [...down, ...degraded].join('; ');
    return { [key]: details } as CacheHealthResult<Key>;
  }

  private async ping(timeoutMs: number): Promise<CacheHealthDetails['redis']> {
    const { client, isCluster, health } = this.connection;
    if (client.status !== 'ready') return { reachable: false };
    const servers: (Redis | Cluster)[] = isCluster ? (client as Cluster).nodes('master') : [client];
    const started = performance.now();
    const answers = await Promise.all(servers.map((server) => pingWithin(server, timeoutMs)));
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const reachable = answers.some(Boolean);
    const silent = servers.filter((_, i) => !answers[i]) as Redis[];
    const nodesDown = isCluster
      ? [
          ...new Set([
            ...health.downNodes(),
            ...silent.map((s) => `${s.options.host}:${s.options.port}`),
          ]),
        ]
      : undefined;
    return reachable ? { reachable, latencyMs, nodesDown } : { reachable, nodesDown };
  }

  private async queueSample(reachable: boolean): Promise<WriteBehindQueueSample> {
    if (reachable) {
      try {
        return (await this.writes.queue.stats()).queue;
      } catch {
        // Redis failed meanwhile: the last sample.
      }
    }
    return this.writes.queue.snapshot().queue;
  }
}

async function pingWithin(server: Redis | Cluster, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>(
    (resolve) => (timer = setTimeout(resolve, timeoutMs, false)),
  );
  const answered = server.ping().then(
    (reply) => reply === 'PONG',
    () => false,
  );
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function checkOptions(value: unknown) {
  const where = 'isHealthy().options';
  const { timeout, maxBacklog, maxDeadLetters } = knownOptions(value, OPTION_NAMES, where);
  const limit = (count: unknown, name: string) =>
    count === undefined ? undefined : wholeNumber(count, optionPath(where, name), { min: 0 });
  return {
    timeoutMs:
      timeout === undefined
        ? undefined
        : duration(timeout, optionPath(where, 'timeout'), { min: 1, max: MAX_TIMER_MS }),
    maxBacklog: limit(maxBacklog, 'maxBacklog'),
    maxDeadLetters: limit(maxDeadLetters, 'maxDeadLetters'),
  };
}
