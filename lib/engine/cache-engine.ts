// The engine: every part of one cache built from resolved options, a logger and a clock, without
// Nest. Start and close run the parts' lifecycles in dependency order.
import { EntryCodec } from '../codec/entry-codec.js';
import { CacheEvents } from '../events/cache-event-bus.js';
import type { CacheLogger } from '../events/cache-logger.js';
import { KeySpace } from '../keys/key-space.js';
import { CacheLookup } from '../lookup/cache-lookup.js';
import { EntryEncoder } from '../lookup/entry-encoder.js';
import { EntryReader } from '../lookup/entry-reader.js';
import { EntryStore } from '../lookup/entry-store.js';
import { FactoryRun } from '../lookup/factory-run.js';
import { SingleFlight } from '../lookup/single-flight.js';
import { WriteEffects } from '../lookup/write-effects.js';
import { CacheStats } from '../metrics/cache-stats.js';
import { OpenTelemetryBridge } from '../metrics/opentelemetry-bridge.js';
import { PrometheusRegistration } from '../metrics/prometheus-registry.js';
import { RedisCacheHealthIndicator } from '../metrics/redis-cache.health-indicator.js';
import type { ResolvedCacheOptions } from '../options/resolved-options.js';
import { ReadBatcher } from '../redis/read-batcher.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { CacheReport } from '../service/cache-report.js';
import { EntryWriter } from '../service/entry-writer.js';
import { RedisCacheService } from '../service/redis-cache.service.js';
import { DistributedLock } from '../stampede/distributed-lock.js';
import { TagVersionStore } from '../tags/tag-version-store.js';
import { CacheBus } from '../tiers/cache-bus.js';
import type { CacheClock } from '../time/clock.js';
import { WriteBehindQueue } from '../write/write-behind-queue.js';
import { WriteBehindWorker } from '../write/write-behind-worker.js';
import { WriteStrategies } from '../write/write-strategies.js';
import { WriterRegistry } from '../write/writer-registry.js';

export interface CacheEngineContext {
  logger: CacheLogger;
  clock: CacheClock;
}

export class CacheEngine {
  readonly keys: KeySpace;
  readonly events: CacheEvents;
  readonly connection: RedisConnection;
  readonly stats: CacheStats;
  readonly lookup: CacheLookup;
  /** Also the write target of write-through and write-behind. */
  readonly writer: EntryWriter;
  readonly writers = new WriterRegistry();
  readonly writes: WriteStrategies;
  /** The public facade: what `RedisCacheService` injects as. */
  readonly cache: RedisCacheService;
  readonly health: RedisCacheHealthIndicator;
  private readonly bus: CacheBus;
  private readonly prometheus: PrometheusRegistration;
  private readonly openTelemetry: OpenTelemetryBridge;
  private readonly queue: WriteBehindQueue;
  private readonly worker: WriteBehindWorker;

  constructor(
    readonly options: ResolvedCacheOptions,
    readonly context: CacheEngineContext,
  ) {
    const { logger, clock } = context;
    const keys = (this.keys = new KeySpace(
      options.namespace,
      options.maxKeyLength,
      options.maxTagsPerEntry,
    ));
    const events = (this.events = new CacheEvents(logger));
    const connection = (this.connection = new RedisConnection(options, clock, logger));
    const { client, isCluster } = connection;
    const bus = (this.bus = new CacheBus(options, connection, keys, clock, logger));
    // Before any lookup: it registers itself on the bus.
    const stats = (this.stats = new CacheStats(events, connection, keys, options, logger));

    const codec = new EntryCodec(options.serializer, options.compression, options.maxValueBytes);
    const tags = new TagVersionStore(client, isCluster, keys);
    const batcher = new ReadBatcher(client, isCluster);
    const locks = new DistributedLock(client, isCluster, connection.health, keys);
    const encoder = new EntryEncoder(codec, events, logger);
    const reader = new EntryReader(batcher, codec, tags, connection, bus, events, clock, logger);
    const effects = new WriteEffects(bus, events, clock, logger);
    const entries = new EntryStore(connection, tags, locks);
    const runs = new FactoryRun(
      connection,
      encoder,
      entries,
      tags,
      locks,
      reader,
      effects,
      clock,
      events,
      logger,
    );
    const flight = new SingleFlight(locks, bus, reader, runs, events, clock, logger);
    const lookup = (this.lookup = new CacheLookup(
      options,
      keys,
      connection,
      reader,
      flight,
      runs,
      events,
      clock,
    ));

    const writer = (this.writer = new EntryWriter(
      options,
      connection,
      keys,
      encoder,
      tags,
      entries,
      effects,
    ));
    const queue = (this.queue = new WriteBehindQueue(options, connection, this.writers));
    const writes = (this.writes = new WriteStrategies(
      queue,
      this.writers,
      connection,
      keys,
      logger,
    ));
    this.worker = new WriteBehindWorker(queue, this.writers, connection, logger);

    const report = new CacheReport(connection, keys, writes, stats, bus);
    this.cache = new RedisCacheService(options, connection, keys, lookup, writer, writes, report);
    this.prometheus = new PrometheusRegistration(options, () => report.metricFamilies());
    this.openTelemetry = new OpenTelemetryBridge(
      options.namespace,
      options.stats.openTelemetry,
      () => report.metricFamilies(),
    );
    this.health = new RedisCacheHealthIndicator(options, connection, bus, writes);
  }

  get clock(): CacheClock {
    return this.context.clock;
  }

  /** Connects (bounded by redisTimeouts.connect), subscribes the L1 bus, starts the stats flush. */
  async start(): Promise<void> {
    await this.connection.connect();
    if (!this.connection.disabled) {
      await this.bus.start();
      this.stats.start();
    }
    await this.prometheus.register();
    await this.openTelemetry.start();
  }

  /** Once the app's write-behind writers are registered: the worker runs only with writers. */
  async startWorkers(): Promise<void> {
    if (this.connection.disabled) return;
    await this.worker.bootstrap();
  }

  /**
   * Before the app's own resources close: stops the worker (running writers finish, bounded by
   * drainTimeout) and sends the last stats, while Redis and the writers' databases are still open.
   */
  async drain(): Promise<void> {
    this.prometheus.unregister();
    this.openTelemetry.stop();
    await this.stats.stop();
    await this.worker.shutdown();
  }

  /** Closes what the engine opened (a client passed in stays open). */
  async close(): Promise<void> {
    this.queue.close();
    await this.bus.close();
    await this.connection.close();
  }
}
