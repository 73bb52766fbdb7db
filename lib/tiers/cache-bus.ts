// One pub/sub channel per namespace keeps every L1 coherent and wakes waiters; messages are lost
// while a connection is down, so L1 is bypassed and emptied until resubscribed. 'tracking': Redis
// reports changes (CLIENT TRACKING BCAST, NOLOOP), writes publish only lock wake-ups.
import { randomBytes } from 'node:crypto';
import type { CacheLogger } from '../events/cache-logger.js';
import type { Cluster, Redis } from 'ioredis';
import { CacheConfigError } from '../errors/errors.js';
import { KeySpace } from '../keys/key-space.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { describeRedisError } from '../redis/redis-error-kind.js';
import { L1Cache } from './l1-cache.js';
import { type ResolvedCacheOptions } from '../options/resolved-options.js';
import type { CacheClock } from '../time/clock.js';

/** Where Redis sends tracking invalidations for RESP2 clients (REDIRECT). */
const INVALIDATE_CHANNEL = '__redis__:invalidate';

/** o: sender; k: keys written or deleted; t: tags invalidated; c: namespace cleared. */
interface BusMessage {
  o: string;
  k?: readonly string[];
  t?: readonly string[];
  c?: 1;
}

/** Wakes a caller when a key changes; wait() also returns after its timeout (a safety re-check). */
export class KeyWatch {
  private changed = false;
  private wake?: () => void;

  /** `stop` ends the watch. */
  constructor(readonly stop: () => void) {}

  notify(): void {
    this.changed = true;
    this.wake?.();
  }

  /** Resolves true when the key changed (now or since the last wait), false after `ms`. */
  async wait(ms: number): Promise<boolean> {
    if (!this.changed)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, ms));
        this.wake = () => resolve(clearTimeout(timer));
      });
    this.wake = undefined;
    const changed = this.changed;
    this.changed = false;
    return changed;
  }
}

export class CacheBus {
  readonly l1: L1Cache | undefined;
  private readonly origin = randomBytes(9).toString('base64url');
  private readonly channel: string;
  private readonly watches = new Map<string, Set<KeyWatch>>();
  private subscriber?: Redis | Cluster;
  private subscribing?: Promise<void>;
  private subscribed = false;
  private closed = false;
  private readonly tracking: boolean;
  /** CLIENT ID of the subscriber, the target of the tracking redirect. */
  private redirectId?: number;
  private tracked = false;
  private trackingTurn: Promise<void> = Promise.resolve();
  private readonly entryPrefix: string;
  private readonly tagPrefix: string;
  /** The cache connection's handlers: L1 may have missed messages. */
  private readonly onMain = {
    close: () => {
      this.tracked = false;
      this.l1?.clear();
    },
    ready: () => {
      this.l1?.clear();
      if (this.tracking) void this.enableTracking();
    },
  };

  constructor(
    private readonly options: ResolvedCacheOptions,
    private readonly connection: RedisConnection,
    keys: KeySpace,
    clock: CacheClock,
    private readonly logger: CacheLogger,
  ) {
    this.channel = keys.internal('bus', 'events');
    this.entryPrefix = keys.entry('x').slice(0, -1);
    this.tagPrefix = keys.internal('tag', '');
    this.tracking = options.l1 !== false && options.l1.invalidation === 'tracking';
    if (this.tracking && connection.isCluster)
      throw new CacheConfigError(
        'l1.invalidation',
        "'tracking' is not supported on Redis Cluster yet; use 'bus' (the default)",
      );
    this.l1 = options.l1 ? new L1Cache(options.l1, () => this.live, clock) : undefined;
  }

  async start(): Promise<void> {
    if (!this.l1) return;
    this.connection.client.on('close', this.onMain.close).on('ready', this.onMain.ready);
    await this.whenSubscribed(this.options.connectTimeoutMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscribed = false;
    this.connection.client.off('close', this.onMain.close).off('ready', this.onMain.ready);
    if (this.tracked) {
      this.tracked = false;
      // The connection may be the user's own (`client`): leave it as it was.
      await this.connection.client.call('CLIENT', 'TRACKING', 'OFF').catch(() => undefined);
    }
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (!subscriber) return;
    const ended = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1_000).unref();
      subscriber.once('end', () => resolve(clearTimeout(timer)));
    });
    subscriber.disconnect();
    await ended;
  }

  /** True while messages are being received (L1 may be trusted, waiters are woken). */
  get live(): boolean {
    return this.subscribed && (!this.tracking || this.tracked);
  }

  async whenSubscribed(timeoutMs: number): Promise<boolean> {
    if (this.subscribed || this.closed) return this.subscribed;
    this.subscribing ??= this.startSubscriber();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.subscribing,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    return this.subscribed;
  }

  /** Watches a key for changes made by any instance, this one included. */
  watch(key: string): KeyWatch {
    const set = this.watches.get(key) ?? new Set<KeyWatch>();
    const watch = new KeyWatch(() => {
      if (set.delete(watch) && set.size === 0) this.watches.delete(key);
    });
    this.watches.set(key, set.add(watch));
    return watch;
  }

  /** After a write: other instances drop the keys from L1, their waiters wake up. */
  keysChanged(keys: readonly string[]): Promise<void> {
    return this.tracking ? Promise.resolve() : this.publish({ k: keys });
  }

  /** Wakes waiters of keys that were not written (a lock released without a value). */
  wake(keys: readonly string[]): Promise<void> {
    return this.publish({ k: keys });
  }

  tagsInvalidated(tags: readonly string[]): Promise<void> {
    return this.tracking ? Promise.resolve() : this.publish({ t: tags });
  }

  cleared(): Promise<void> {
    // Every key clear() deletes is reported by tracking; the message still wakes waiters.
    return this.publish({ c: 1 });
  }

  private async publish(message: Omit<BusMessage, 'o'>): Promise<void> {
    const text = JSON.stringify({ o: this.origin, ...message });
    await this.connection.health.attempt(
      () => this.connection.client.publish(this.channel, text),
      'write',
    );
  }

  private startSubscriber(): Promise<void> {
    // RESP2 for tracking: ioredis drops RESP3 'invalidate' pushes; RESP2 redirected invalidations
    // arrive as messages on __redis__:invalidate. Not resubscribed by ioredis on reconnect: CLIENT
    // ID must be asked first, and a subscribed RESP2 connection can no longer ask it.
    const subscriber = this.connection.duplicate({
      server: this.tracking ? { protocol: 2, autoResubscribe: false } : {},
    });
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text);
    });
    if (this.tracking)
      // The keys as an array (a comma-joined string in the 'message' event), or null for a flush.
      subscriber.on('messageBuffer', (channel: Buffer, keys: Buffer[] | null) => {
        if (channel.toString() === INVALIDATE_CHANNEL) this.invalidated(keys);
      });
    // Anything published while disconnected is lost: stop trusting L1 at once.
    subscriber.on('close', () => {
      this.subscribed = false;
      this.l1?.clear();
    });
    let first: (() => void) | undefined;
    const subscribedOnce = new Promise<void>((resolve) => (first = resolve));
    const subscribe = () => {
      this.subscribeTo(subscriber).then(
        () => {
          if (this.closed || this.subscriber !== subscriber) return;
          this.l1?.clear();
          this.subscribed = true;
          first?.();
        },
        (error: unknown) =>
          this.logger.warn(
            `Cannot subscribe to the invalidation messages (${describeRedisError(error)}); L1 is bypassed until it can.`,
          ),
      );
    };
    subscriber.on('ready', subscribe);
    if (this.connection.isCluster) {
      // ioredis moves a Cluster subscription to another node by itself when its node fails,
      // emitting neither 'close' nor 'ready'. Keeping a connection to every node makes a failure
      // visible as '-node'; what was published meanwhile is lost, so L1 is bypassed and emptied
      // until the channel is subscribed again (after ioredis has picked the new node).
      subscriber.on('+node', (node: Redis) => void node.connect().catch(() => undefined));
      subscriber.on('-node', () => {
        if (this.closed || this.subscriber !== subscriber) return;
        this.subscribed = false;
        this.l1?.clear();
        setImmediate(subscribe);
      });
    }
    if (subscriber.status === 'ready') subscribe();
    return subscribedOnce;
  }

  private async subscribeTo(subscriber: Redis | Cluster): Promise<void> {
    if (this.tracking) this.redirectId = Number(await subscriber.call('CLIENT', 'ID'));
    // One at a time, so that an ACL refusal names the channel it refused.
    await subscriber.subscribe(this.channel);
    if (!this.tracking) return;
    await subscriber.subscribe(INVALIDATE_CHANNEL);
    await this.enableTracking();
    if (!this.tracked) throw new Error('CLIENT TRACKING could not be turned on');
  }

  /**
   * Again after either connection came back (a new connection has no tracking, a new subscriber a
   * new id).
   */
  private enableTracking(): Promise<void> {
    // One at a time: two interleaved OFF/ON pairs (both connections back at once) would fail
    // the second ON (prefixes already tracked) and leave L1 bypassed.
    this.trackingTurn = this.trackingTurn.then(() => this.turnTrackingOn());
    return this.trackingTurn;
  }

  private async turnTrackingOn(): Promise<void> {
    const client = this.connection.client;
    const redirect = this.redirectId;
    if (this.closed || redirect === undefined) return;
    this.tracked = false;
    try {
      // Prefixes cannot be given again while tracking is on: off first.
      await client.call('CLIENT', 'TRACKING', 'OFF');
      const prefixes = ['PREFIX', this.entryPrefix, 'PREFIX', this.tagPrefix];
      const on = ['ON', 'REDIRECT', String(redirect), 'BCAST', ...prefixes, 'NOLOOP'];
      await client.call('CLIENT', 'TRACKING', ...on);
      // Whatever changed while tracking was off was not reported.
      this.l1?.clear();
      this.tracked = redirect === this.redirectId && !this.closed;
    } catch (error) {
      this.logger.warn(
        `Cannot turn on CLIENT TRACKING (l1.invalidation 'tracking', Redis 6 or later): ${describeRedisError(error)}; L1 is bypassed until it can.`,
      );
    }
  }

  private invalidated(keys: Buffer[] | Buffer | null): void {
    if (!keys) return this.changed({ c: 1 }, true);
    const changed: string[] = [];
    const tags: string[] = [];
    for (const redisKey of Array.isArray(keys) ? keys : [keys]) {
      const name = String(redisKey);
      if (name.startsWith(this.entryPrefix)) changed.push(name.slice(this.entryPrefix.length));
      else if (name.startsWith(this.tagPrefix)) tags.push(name.slice(this.tagPrefix.length));
    }
    this.changed(
      { k: changed.length ? changed : undefined, t: tags.length ? tags : undefined },
      true,
    );
  }

  private receive(text: string): void {
    let message: BusMessage;
    try {
      message = JSON.parse(text) as BusMessage;
    } catch {
      return;
    }
    this.changed(message, message.o !== this.origin);
  }

  /** Evicts what changed from L1 (unless this instance made the change) and wakes its waiters. */
  private changed({ k: keys, t: tags, c }: Omit<BusMessage, 'o'>, elsewhere: boolean): void {
    if (c === 1) {
      if (elsewhere) this.l1?.clear();
      for (const set of this.watches.values()) for (const watch of set) watch.notify();
      return;
    }
    if (tags && elsewhere) this.l1?.evictTags(tags);
    if (!keys) return;
    if (elsewhere) this.l1?.evictKeys(keys);
    for (const key of keys) for (const watch of this.watches.get(key) ?? []) watch.notify();
  }
}
