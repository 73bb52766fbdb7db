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

/** The outage state of the whole client, or of one Cluster node. */
class Outage {
  bypassUntil = 0;
  active = false;

  open(now: number): boolean {
    return this.bypassUntil === 0 || now >= this.bypassUntil;
  }

  /** Ends the bypass and the outage; true if an outage was on (to log its end). */
  end(): boolean {
    const was = this.active;
    this.bypassUntil = 0;
    this.active = false;
    return was;
  }
}

export class RedisHealth {
  private readonly whole = new Outage();
  /** Cluster only: operations without one key (several slots, pub/sub), apart from keyed ones. */
  private readonly unrouted = new Outage();
  /** Cluster nodes ("host:port") that failed, until they answer again or stop serving slots. */
  private readonly nodes = new Map<string, Outage>();
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
        if (this.troubled) this.succeeded(key);
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
    const now = this.clock.now();
    if (!this.whole.open(now)) return false;
    if (key === undefined) return this.unrouted.open(now);
    if (this.nodes.size === 0) return true;
    const node = this.nodeOf(key);
    return node === undefined || (this.nodes.get(node)?.open(now) ?? true);
  }

  /** Usable, and no Cluster node that still serves slots is down. */
  get available(): boolean {
    return (
      !this.whole.active &&
      !this.unrouted.active &&
      this.isConnected() &&
      this.downNodes().length === 0
    );
  }

  /** Cluster nodes ("host:port") in an outage that still serve slots. */
  downNodes(): string[] {
    return [...this.nodes.entries()]
      .filter(([node, outage]) => outage.active && this.serves(node))
      .map(([node]) => node);
  }

  /** Starts an outage (logged once) without a failed command, e.g. Redis unreachable at startup. */
  enterOutage(reason: string): void {
    this.trip(
      this.whole,
      `Redis unavailable (${reason}): reads are misses and writes are skipped until it returns.`,
    );
  }

  /** Off for good, without a warning: the cache was built to run without Redis. */
  disable(): void {
    this.whole.active = true;
    this.whole.bypassUntil = Infinity;
  }

  dispose(): void {
    clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  private fail(error: unknown, kind: OperationKind, key: string | undefined): undefined {
    this.errors++;
    if (isCommandError(error)) {
      const code = replyCode(error)!;
      this.commandErrors.report(key ?? commandKey(error), code, kind, describeRedisError(error));
      // The server answered: it is reachable.
      this.succeeded(key);
    } else {
      this.failed(error, key);
    }
    if (kind === 'write') this.skippedWrites++;
    return undefined;
  }

  /** Whether any outage or bypass is on: only then does a success have anything to end. */
  private get troubled(): boolean {
    return (
      this.whole.bypassUntil !== 0 ||
      this.whole.active ||
      this.unrouted.bypassUntil !== 0 ||
      this.nodes.size > 0
    );
  }

  private succeeded(key: string | undefined): void {
    if (this.whole.end()) this.logger.log('Redis is reachable again; caching resumed.');
    if (key === undefined) {
      if (this.unrouted.end())
        this.logger.log('Redis Cluster operations over several slots work again.');
      return;
    }
    if (this.nodes.size === 0) return;
    const node = this.nodeOf(key);
    if (node !== undefined) this.nodeBack(node);
  }

  private failed(error: unknown, key: string | undefined): void {
    const cause = error instanceof Error ? error.message : String(error);
    const bypass = (outage: Outage) => (outage.bypassUntil = this.clock.now() + this.retryAfterMs);
    if (!this.cluster) {
      bypass(this.whole);
      this.enterOutage(cause);
      return;
    }
    const node = key === undefined ? undefined : this.nodeOf(key);
    if (node === undefined) {
      bypass(this.unrouted);
      this.trip(
        this.unrouted,
        `Redis Cluster operations over several slots failed (${cause}): tag checks and invalidation messages are skipped until they work again; single-key reads and writes are unaffected.`,
      );
      return;
    }
    let outage = this.nodes.get(node);
    if (!outage) this.nodes.set(node, (outage = new Outage()));
    bypass(outage);
    const started = this.trip(
      outage,
      `Redis node ${node} unavailable (${cause}): reads of its keys are misses and writes to them are skipped until it returns or fails over; keys on other nodes are unaffected.`,
    );
    if (started) this.watchFailover(this.cluster);
  }

  /** Marks an outage as on, counted and logged once; false if it was on already. */
  private trip(outage: Outage, warning: string): boolean {
    if (outage.active) return false;
    outage.active = true;
    this.outages++;
    this.logger.warn(warning);
    return true;
  }

  private nodeBack(node: string): void {
    this.clusterDownSeen = false;
    if (this.nodes.delete(node))
      this.logger.log(`Redis node ${node} is reachable again; caching of its keys resumed.`);
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
      if (info.includes('cluster_state:ok')) this.nodeBack(node);
      else if (info !== '' && !this.clusterDownSeen) {
        this.clusterDownSeen = true;
        this.logger.warn(
          `Redis Cluster is down (node ${node} reports cluster_state:fail): with cluster-require-full-coverage yes every node refuses every key until all slots are served again (a replica promoted, or the failed master back).`,
        );
      }
    };
    this.refreshTimer = setInterval(
      () => {
        for (const node of this.nodes.keys()) {
          if (!this.serves(node)) {
            this.nodes.delete(node);
            this.logger.log(
              `Redis node ${node} no longer serves any slot (failed over): caching of its keys resumed on the node that took over.`,
            );
          } else if (!probing.has(node)) {
            probing.add(node);
            void probe(node).finally(() => probing.delete(node));
          }
        }
        if (this.nodes.size === 0) this.dispose();
        else cluster.refreshSlotsCache(() => undefined);
      },
      Math.min(Math.max(this.retryAfterMs / 2, 100), 500),
    );
    this.refreshTimer.unref();
  }
}
