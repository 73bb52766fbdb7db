// One pub/sub channel per namespace, on a dedicated subscriber connection (a duplicate of the
// cache's client), carrying "these keys changed", "these tags were invalidated" and "cleared".
// It keeps every instance's L1 coherent and wakes callers waiting for another instance's
// computation of a key. Messages can be missed while a connection is down, so L1 is bypassed
// while the subscriber is not subscribed and emptied whenever either connection comes back.
import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { KeySpace } from '../keys/key-space.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { L1Cache } from './l1-cache.js';
import { RESOLVED_CACHE_OPTIONS, type ResolvedCacheOptions } from '../options/resolved-options.js';

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

  /** @internal */
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

@Injectable()
export class CacheBus implements OnModuleInit, OnApplicationShutdown {
  /** The in-process L1, when the module configures one. */
  readonly l1: L1Cache | undefined;
  private readonly origin = randomBytes(9).toString('base64url');
  private readonly channel: string;
  private readonly logger = new Logger('RedisCache');
  private readonly watches = new Map<string, Set<KeyWatch>>();
  private subscriber?: Redis | Cluster;
  private subscribing?: Promise<void>;
  private subscribed = false;
  private closed = false;
  private readonly onMainClientEvent = () => this.l1?.clear();

  constructor(
    @Inject(RESOLVED_CACHE_OPTIONS) private readonly options: ResolvedCacheOptions,
    private readonly connection: RedisConnection,
    keys: KeySpace,
  ) {
    this.channel = keys.internal('bus', 'events');
    this.l1 = options.l1 ? new L1Cache(options.l1, () => this.subscribed) : undefined;
  }

  async onModuleInit(): Promise<void> {
    if (!this.l1) return;
    this.connection.client.on('close', this.onMainClientEvent);
    this.connection.client.on('ready', this.onMainClientEvent);
    await this.whenSubscribed(this.options.connectTimeoutMs);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.subscribed = false;
    this.connection.client.off('close', this.onMainClientEvent);
    this.connection.client.off('ready', this.onMainClientEvent);
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
    return this.subscribed;
  }

  /** Starts the subscriber if needed and waits (at most `timeoutMs`) until it listens. */
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

  /** Watches a key for changes published by any instance, this one included. */
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

  keysChanged(keys: string[]): Promise<void> {
    return this.publish({ o: this.origin, k: keys });
  }

  tagsInvalidated(tags: string[]): Promise<void> {
    return this.publish({ o: this.origin, t: tags });
  }

  cleared(): Promise<void> {
    return this.publish({ o: this.origin, c: 1 });
  }

  private async publish(message: BusMessage): Promise<void> {
    await this.connection.health.attempt(
      () => this.connection.client.publish(this.channel, JSON.stringify(message)),
      'write',
    );
  }

  private startSubscriber(): Promise<void> {
    const client = this.connection.client;
    const subscriber = (
      this.connection.isCluster
        ? (client as Cluster).duplicate()
        : (client as Redis).duplicate({ lazyConnect: false })
    ) as Redis | Cluster;
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text);
    });
    // Anything published while disconnected is lost: stop trusting L1 at once.
    subscriber.on('close', () => {
      this.subscribed = false;
      this.l1?.clear();
    });
    let first: (() => void) | undefined;
    const subscribedOnce = new Promise<void>((resolve) => (first = resolve));
    const subscribe = () => {
      subscriber.subscribe(this.channel).then(
        () => {
          if (this.closed || this.subscriber !== subscriber) return;
          this.l1?.clear();
          this.subscribed = true;
          first?.();
        },
        (error: unknown) =>
          this.logger.warn(
            `Cannot subscribe to ${this.channel}: ${(error as Error).message}; L1 is bypassed until it can.`,
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

  private receive(text: string): void {
    let message: BusMessage;
    try {
      message = JSON.parse(text) as BusMessage;
    } catch {
      return;
    }
    const fromElsewhere = message.o !== this.origin;
    if (message.c) {
      if (fromElsewhere) this.l1?.clear();
      for (const set of this.watches.values()) for (const watch of set) watch.notify();
      return;
    }
    if (message.t && fromElsewhere) this.l1?.evictTags(message.t);
    if (message.k) {
      if (fromElsewhere) this.l1?.evictKeys(message.k);
      for (const key of message.k) {
        const set = this.watches.get(key);
        if (set) for (const watch of set) watch.notify();
      }
    }
  }
}
