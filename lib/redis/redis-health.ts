// Whether Redis can be used now: after a failure of Redis itself it is bypassed for retryAfter (a
// dead Redis costs requests nothing), logged once per outage, resumed on the next success. An error
// reply fails its operation only. On Cluster, health is per master (by slot), and apart for
// operations over several slots.
import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import type { CacheLogger } from '../events/cache-logger.js';
import { systemClock, type CacheClock } from '../time/clock.js';
import {
  CommandErrorLog,
  commandKey,
  describeRedisError,
  isCommandError,
  replyCode,
} from './redis-error-kind.js';

type OperationKind = 'read' | 'write';

// What an outage is of: the whole client, Cluster operations without one key (several slots,
// pub/sub), or one Cluster node ("host:port": a colon, which these two names have not).
const WHOLE = 'redis';
const UNROUTED = 'several slots';
const isNode = (scope: string) => scope !== WHOLE && scope !== UNROUTED;

/** The warning when an outage of `scope` starts. */
function outageStarted(scope: string, cause: string): string {
  if (scope === WHOLE)
    return `Redis unavailable (${cause}): reads are misses and writes are skipped until it returns.`;
  if (scope === UNROUTED)
    return `Redis Cluster operations over several slots failed (${cause}): tag checks and invalidation messages are skipped until they work again; single-key reads and writes are unaffected.`;
  return `Redis node ${scope} unavailable (${cause}): reads of its keys are misses and writes to them are skipped until it returns or fails over; keys on other nodes are unaffected.`;
}

/** The line when an outage of `scope` ends. */
function outageEnded(scope: string): string {
  if (scope === WHOLE) return 'Redis is reachable again; caching resumed.';
  if (scope === UNROUTED) return 'Redis Cluster operations over several slots work again.';
  return `Redis node ${scope} is reachable again; caching of its keys resumed.`;
}

export class RedisHealth {
  /**
   * The outages on, by scope, each with the time Redis is bypassed until (0: not bypassed). A
   * Cluster node stays until it answers again or stops serving slots.
   */
  private readonly down = new Map<string, number>();
  private refreshTimer: NodeJS.Timeout | undefined;
  /** Whether a node reported the whole cluster down (logged once until a node serves again). */
  private clusterDownSeen = false;
  errors = 0;
  outages = 0;
  skippedWrites = 0;
  private readonly commandErrors: CommandErrorLog;

  constructor(
    private readonly logger: CacheLogger,
    private readonly retryAfterMs: number,
    private readonly isConnected: () => boolean,
    private readonly cluster?: Cluster,
    private readonly clock: CacheClock = systemClock,
  ) {
    this.commandErrors = new CommandErrorLog(logger);
  }

  /** Failures resolve to undefined (a miss, a skipped write); `key` routes health on Cluster. */
  attempt<T>(
    operation: () => Promise<T>,
    kind: OperationKind,
    key?: string,
  ): Promise<T | undefined> {
    // Not an async function: on the hit path every promise layer costs.
    if (!this.usable(key)) {
      if (kind === 'write') this.skippedWrites++;
      return Promise.resolve(undefined);
    }
    let pending: Promise<T>;
    try {
      pending = operation();
    } catch (error) {
      return Promise.resolve(this.fail(error, kind, key));
    }
    return pending.then(
      (result) => {
        // Only with an outage on does a success have anything to end.
        if (this.down.size > 0) this.succeeded(key);
        return result;
      },
      (error: unknown) => this.fail(error, kind, key),
    );
  }

  usable(key?: string): boolean {
    if (!this.isConnected()) {
      this.enterOutage('the connection is not ready');
      return false;
    }
    if (this.down.size === 0) return true;
    const now = this.clock.now();
    const scope = key === undefined ? UNROUTED : this.nodeOf(key);
    return this.open(WHOLE, now) && (scope === undefined || this.open(scope, now));
  }

  /** Usable, and no Cluster node that still serves slots is down. */
  get available(): boolean {
    return (
      !this.down.has(WHOLE) &&
      !this.down.has(UNROUTED) &&
      this.isConnected() &&
      this.downNodes().length === 0
    );
  }

  /** Cluster nodes ("host:port") in an outage that still serve slots. */
  downNodes(): string[] {
    return [...this.down.keys()].filter((scope) => isNode(scope) && this.serves(scope));
  }

  /** Starts an outage (logged once) without a failed command, e.g. Redis unreachable at startup. */
  enterOutage(reason: string): void {
    this.trip(WHOLE, reason);
  }

  /** Off for good, without a warning: the cache was built to run without Redis. */
  disable(): void {
    this.down.set(WHOLE, Infinity);
  }

  dispose(): void {
    clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  private fail(error: unknown, kind: OperationKind, key: string | undefined): undefined {
    this.errors++;
    if (kind === 'write') this.skippedWrites++;
    if (isCommandError(error)) {
      const code = replyCode(error)!;
      this.commandErrors.report(key ?? commandKey(error), code, kind, describeRedisError(error));
      // The server answered: it is reachable.
      this.succeeded(key);
      return undefined;
    }
    let scope = WHOLE;
    if (this.cluster) scope = (key === undefined ? undefined : this.nodeOf(key)) ?? UNROUTED;
    const cause = error instanceof Error ? error.message : String(error);
    const started = this.trip(scope, cause, this.clock.now() + this.retryAfterMs);
    if (started && isNode(scope)) this.watchFailover(this.cluster!);
    return undefined;
  }

  private succeeded(key: string | undefined): void {
    this.end(WHOLE);
    const scope = key === undefined ? UNROUTED : this.nodeOf(key);
    if (scope !== undefined) this.end(scope);
  }

  /** Whether Redis may be tried for `scope` now: no outage, or its bypass is over. */
  private open(scope: string, now: number): boolean {
    const bypassUntil = this.down.get(scope) ?? 0;
    return bypassUntil === 0 || now >= bypassUntil;
  }

  /**
   * Marks an outage as on, counted and logged once (false if it was on already), bypassed until
   * `bypassUntil` when given.
   */
  private trip(scope: string, cause: string, bypassUntil?: number): boolean {
    const started = !this.down.has(scope);
    if (started || bypassUntil !== undefined) this.down.set(scope, bypassUntil ?? 0);
    if (!started) return false;
    this.outages++;
    this.logger.warn(outageStarted(scope, cause));
    return true;
  }

  private end(scope: string): void {
    if (isNode(scope)) this.clusterDownSeen = false;
    if (this.down.delete(scope)) this.logger.log(outageEnded(scope));
  }

  /** The master serving `key` ("host:port"), or undefined while the client does not know. */
  private nodeOf(key: string): string | undefined {
    return this.cluster?.slots[calculateSlot(key)]?.[0];
  }

  /** Whether `node` still serves any slot (false once its slots failed over elsewhere). */
  private serves(node: string): boolean {
    return this.cluster?.slots.some((owners) => owners?.[0] === node) ?? false;
  }

  /**
   * Polls the slot table (a promoted replica takes the dead node's slots) and the node's CLUSTER
   * INFO, so caching resumes within a moment whatever ioredis noticed. A node reporting
   * cluster_state:fail (full coverage required) still answers PING: it is not called back, and
   * that is said once, as its timeouts name no cause.
   */
  private watchFailover(cluster: Cluster): void {
    if (this.refreshTimer) return;
    const probing = new Set<string>();
    const probe = async (node: string) => {
      const client = cluster
        .nodes('master')
        .find((candidate) => `${candidate.options.host}:${candidate.options.port}` === node);
      if (client?.status !== 'ready') return;
      const info = (await client.call('CLUSTER', 'INFO').catch(() => '')) as string;
      if (info.includes('cluster_state:ok')) this.end(node);
      else if (info !== '' && !this.clusterDownSeen) {
        this.clusterDownSeen = true;
        this.logger.warn(
          `Redis Cluster is down (node ${node} reports cluster_state:fail): with cluster-require-full-coverage yes every node refuses every key until all slots are served again (a replica promoted, or the failed master back).`,
        );
      }
    };
    this.refreshTimer = setInterval(
      () => {
        for (const node of [...this.down.keys()].filter(isNode)) {
          if (!this.serves(node)) {
            this.down.delete(node);
            this.logger.log(
              `Redis node ${node} no longer serves any slot (failed over): caching of its keys resumed on the node that took over.`,
            );
          } else if (!probing.has(node)) {
            probing.add(node);
            void probe(node).finally(() => probing.delete(node));
          }
        }
        if ([...this.down.keys()].some(isNode)) cluster.refreshSlotsCache(() => undefined);
        else this.dispose();
      },
      Math.min(Math.max(this.retryAfterMs / 2, 100), 500),
    );
    this.refreshTimer.unref();
  }
}
