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
  k?: string[];
  t?: string[];
  c?: 1;
}

/** Wakes a caller when a key changes; wait() also returns after its timeout (a safety re-check). */
export class KeyWatch {
  private changed = false;
  private wake?: () => void;

  constructor(private readonly stopWatching: (watch: KeyWatch) => void) {}

  notify(): void {
    this.changed = true;
    this.wake?.();
  }

  /** Resolves true when the key changed (now or since the last wait), false after `ms`. */
  wait(ms: number): Promise<boolean> {
    if (this.changed) {
      this.changed = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), Math.max(1, ms));
      const finish = (changed: boolean) => {
        clearTimeout(timer);
        this.wake = undefined;
        this.changed = false;
        resolve(changed);
      };
      this.wake = () => finish(true);
    });
  }

  stop(): void {
    this.stopWatching(this);
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
      const timer = setTimeout(resolve, 1_000);
      timer.unref();
      subscriber.once('end', () => {
        clearTimeout(timer);
        resolve();
      });
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
    const watch = new KeyWatch((done) => {
      const set = this.watches.get(key);
      set?.delete(done);
      if (set?.size === 0) this.watches.delete(key);
    });
    let set = this.watches.get(key);
    if (!set) this.watches.set(key, (set = new Set()));
    set.add(watch);
    return watch;
  }

  /** After a write: other instances drop the keys from L1, their waiters wake up. */
  keysChanged(keys: string[]): Promise<void> {
    if (this.tracking) return Promise.resolve();
    return this.publish({ o: this.origin, k: keys });
  }

  /** Wakes waiters of keys that were not written (a lock released without a value). */
  wake(keys: string[]): Promise<void> {
    return this.publish({ o: this.origin, k: keys });
  }

  tagsInvalidated(tags: string[]): Promise<void> {
    if (this.tracking) return Promise.resolve();
    return this.publish({ o: this.origin, t: tags });
  }

  cleared(): Promise<void> {
    // Every key clear() deletes is reported by tracking; the message still wakes waiters.
    return this.publish({ o: this.origin, c: 1 });
  }

  private async publish(message: BusMessage): Promise<void> {
    await this.connection.health.attempt(
      () => this.connection.client.publish(this.channel, JSON.stringify(message)),
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
    if (!this.tracking) {
      await subscriber.subscribe(this.channel);
      return;
    }
    this.redirectId = Number(await subscriber.call('CLIENT', 'ID'));
    // One at a time, so that an ACL refusal names the channel it refused.
    await subscriber.subscribe(this.channel);
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
      await client.call(
        'CLIENT',
        'TRACKING',
        'ON',
        'REDIRECT',
        String(redirect),
        'BCAST',
        'PREFIX',
        this.entryPrefix,
        'PREFIX',
        this.tagPrefix,
        'NOLOOP',
      );
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
    if (!keys) return this.changed(true, undefined, undefined, true);
    const changed: string[] = [];
    const tags: string[] = [];
    for (const redisKey of Array.isArray(keys) ? keys : [keys]) {
      const name = String(redisKey);
      if (name.startsWith(this.entryPrefix)) changed.push(name.slice(this.entryPrefix.length));
      else if (name.startsWith(this.tagPrefix)) tags.push(name.slice(this.tagPrefix.length));
    }
    this.changed(true, changed.length ? changed : undefined, tags.length ? tags : undefined);
  }

  private receive(text: string): void {
    let message: BusMessage;
    try {
      message = JSON.parse(text) as BusMessage;
    } catch {
      return;
    }
    this.changed(message.o !== this.origin, message.k, message.t, message.c === 1);
  }

  /** Evicts what changed from L1 (unless this instance made the change) and wakes its waiters. */
  private changed(
    elsewhere: boolean,
    keys: string[] | undefined,
    tags: string[] | undefined,
    all = false,
  ): void {
    if (all) {
      if (elsewhere) this.l1?.clear();
      for (const set of this.watches.values()) for (const watch of set) watch.notify();
      return;
    }
    if (tags && elsewhere) this.l1?.evictTags(tags);
    if (!keys) return;
    if (elsewhere) this.l1?.evictKeys(keys);
    for (const key of keys) {
      const set = this.watches.get(key);
      if (set) for (const watch of set) watch.notify();
    }
  }
}
