// Owns the ioredis client: creates it from the options (or adopts the user's), waits for it at
// startup without hanging the app, and closes it on shutdown only if the module created it.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { CacheLogger } from '../events/cache-logger.js';
import { CacheConfigError } from '../errors/errors.js';
import { connectionAddress, connectionFailureCause, startupFailure } from './connection-failure.js';
import { RedisHealth } from './redis-health.js';
import type { ConnectionTarget, ResolvedCacheOptions } from '../options/resolved-options.js';
import type { CacheClock } from '../time/clock.js';

export class RedisConnection {
  readonly client: Redis | Cluster;
  readonly owned: boolean;
  readonly isCluster: boolean;
  readonly health: RedisHealth;
  /** Runs without Redis: the client is never connected and the health is off for good, silently. */
  readonly disabled: boolean;

  constructor(
    private readonly options: ResolvedCacheOptions,
    clock: CacheClock,
    readonly logger: CacheLogger,
  ) {
    const target = options.connection;
    this.owned = target.kind !== 'client';
    this.disabled = target.kind === 'disabled';
    this.client = target.kind === 'client' ? target.client : createClient(options, target);
    this.isCluster = (this.client as Cluster).isCluster === true;
    this.health = new RedisHealth(
      this.logger,
      options.retryAfterMs,
      () => this.client.status === 'ready' || this.connectIfWaiting(),
      this.isCluster ? (this.client as Cluster) : undefined,
      clock,
    );
    if (this.disabled) this.health.disable();
    // Errors surface through commands and RedisHealth; without a listener ioredis prints each one.
    if (this.owned) this.client.on('error', () => undefined);
    if (this.isCluster && (this.client as Cluster).options.enableAutoPipelining)
      this.logger.warn(
        'The Redis Cluster client has enableAutoPipelining on: with ioredis 6, keys whose slot moved (node restart, failover, resharding) can keep failing with MOVED errors (redis/ioredis#2075); the cache then misses for them. Turn it off on Cluster.',
      );
  }

  /**
   * For a subscriber or a blocking command (XREADGROUP BLOCK, WAIT), which must not delay the
   * cache's connection. `server` applies to a single server's client only.
   */
  duplicate({
    autoPipelining,
    commandTimeout = (ms) => ms,
    server,
  }: {
    autoPipelining?: false;
    commandTimeout?: (ms: number | undefined) => number | undefined;
    server?: RedisOptions;
  } = {}): Redis | Cluster {
    const own = {
      lazyConnect: false,
      ...(autoPipelining === false && { enableAutoPipelining: false }),
    };
    let client: Redis | Cluster;
    if (this.isCluster) {
      const redisOptions = (this.client as Cluster).options.redisOptions ?? {};
      const timeout = commandTimeout(redisOptions.commandTimeout);
      const options = { ...own, redisOptions: { ...redisOptions, commandTimeout: timeout } };
      client = (this.client as Cluster).duplicate(undefined, options);
    } else {
      const timeout = commandTimeout((this.client as Redis).options.commandTimeout);
      client = (this.client as Redis).duplicate({ ...own, ...server, commandTimeout: timeout });
    }
    client.on('error', () => undefined);
    return client;
  }

  async connect(): Promise<void> {
    if (this.disabled) return;
    this.connectIfWaiting();
    if (await this.waitUntilReady(this.options.connectTimeoutMs)) await this.checkDatabase();
  }

  /**
   * ioredis reports a database the server does not have only as an 'error' event and then runs
   * every command on database 0, where other data lives: a wrong `db` must stop the start.
   */
  private async checkDatabase(): Promise<void> {
    if (this.isCluster) return;
    const db = (this.client as Redis).options.db ?? 0;
    if (db === 0) return;
    try {
      await (this.client as Redis).select(db);
    } catch (error) {
      if (!/DB index is out of range/i.test((error as Error).message)) return;
      if (this.owned) this.client.disconnect();
      const target = this.options.connection;
      throw new CacheConfigError(
        target.kind === 'url' || target.kind === 'client' ? target.kind : 'redis.db',
        `selects database ${db}, which the Redis server at ${connectionAddress(target, this.client)} does not have (ERR DB index is out of range): use a database below the server's "databases" setting (16 by default)`,
        error,
      );
    }
  }

  /**
   * Clients are lazy (a bootstrap that fails before init leaves no connection open): init connects
   * them, or the first read or write of an app compiled but never initialized.
   */
  private connectIfWaiting(): false {
    if (this.client.status === 'wait' && !this.disabled)
      void this.client.connect().catch(() => undefined);
    return false;
  }

  /** Gives up at once on refused credentials or TLS (waiting cures neither): runs uncached. */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    let refused: string | undefined;
    let lastError: unknown;
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => finish(false), timeoutMs);
      const onReady = () => finish(true);
      const onError = (error: unknown) => {
        lastError = error;
        refused = startupFailure(error);
        if (refused !== undefined) finish(false);
      };
      const finish = (value: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        this.client.off('error', onError);
        resolve(value);
      };
      this.client.once('ready', onReady);
      this.client.on('error', onError);
    });
    if (!ready) {
      const address = connectionAddress(this.options.connection, this.client);
      const cause = connectionFailureCause(lastError);
      this.health.enterOutage(
        refused !== undefined
          ? `${refused}; at ${address}`
          : `${address} not reachable after ${timeoutMs} ms at startup${cause ? `: ${cause}` : ''}`,
      );
    }
    return ready;
  }

  async close(): Promise<void> {
    this.health.dispose();
    if (!this.owned || this.client.status === 'end') return;
    const status = this.client.status;
    if (status === 'reconnecting' || status === 'close' || status === 'wait') {
      // No socket is open: disconnect() only cancels what is pending, nothing to wait for.
      this.client.disconnect();
      return;
    }
    // quit() resolves on Redis's reply, before the socket has closed: wait for 'end' so that the
    // connection is really gone when the app's close() returns.
    const ended = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS).unref();
      this.client.once('end', () => resolve(clearTimeout(timer)));
    });
    const quit =
      this.client.status === 'ready' &&
      (await this.client.quit().then(
        () => true,
        () => false,
      ));
    if (!quit) this.client.disconnect();
    await ended;
  }
}

const CLOSE_TIMEOUT_MS = 1_000;

function createClient(
  options: ResolvedCacheOptions,
  target: Exclude<ConnectionTarget, { kind: 'client' }>,
): Redis | Cluster {
  const defaults = {
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: Math.max(options.connectTimeoutMs, 1_000),
    // A command caught by a disconnect fails fast instead of waiting for many reconnects.
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  };
  if (target.kind === 'cluster')
    return new Cluster(target.cluster.nodes, {
      lazyConnect: true,
      ...target.cluster.options,
      redisOptions: { ...defaults, ...target.cluster.options?.redisOptions },
    });
  const redis = { ...defaults, ...(target.kind === 'disabled' ? {} : target.redis) };
  return target.kind === 'url' ? new Redis(target.url, redis) : new Redis(redis);
}
