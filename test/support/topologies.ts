// The three Redis topologies the behaviour suite (test/topologies/) runs on, from one definition:
// a single node (the run's shared redis-server), a Redis Cluster of 3 masters + 3 replicas, and a
// primary + replica managed by a Sentinel. A spec file writes
//
//   describe.each(topologies)('$name', (topology) => {
//     const redis = useTopology(topology);
//     it('...', async () => { const app = await redis.app({ l1: true }); ... });
//   });
//
// so every behaviour is asserted the same way on each. useTopology() starts the topology's servers
// in the describe's beforeAll and stops them in its afterAll: one Cluster and one Sentinel set per
// spec file. `CACHE_TOPOLOGIES=cluster,sentinel` (comma-separated names) runs a subset (see the
// test:topology:* scripts in package.json); `npm test` runs all three.
import type { Cluster, Redis } from 'ioredis';
import { Redis as RedisClient } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { RedisCacheModuleOptions } from '../../lib/index.js';
import {
  createCacheApp,
  sharedRedisUrl,
  uniqueNamespace,
  type CacheApp,
  type CacheAppOptions,
} from './cache-app.js';
import { rawRedis } from './raw-redis.js';
import { RedisClusterHarness } from './redis-cluster.js';
import { RedisSentinelHarness } from './redis-sentinel.js';

type Connection = Pick<RedisCacheModuleOptions, 'url' | 'cluster' | 'redis'>;

interface Started {
  connection: Connection;
  /** A client for the test to look at what the cache stored. */
  raw: Redis | Cluster;
  /** Plain clients on every master (SCAN, INFO), as a user would check a deployment. */
  masters(): Redis[];
  dispose(): Promise<void>;
}

export interface TopologyDefinition {
  name: 'single node' | 'cluster' | 'sentinel';
  /** The short name `CACHE_TOPOLOGIES` selects by. */
  id: 'single' | 'cluster' | 'sentinel';
  start(): Promise<Started>;
}

const definitions: TopologyDefinition[] = [
  {
    name: 'single node',
    id: 'single',
    async start() {
      const url = sharedRedisUrl();
      const raw = rawRedis(url);
      return {
        connection: { url },
        raw,
        masters: () => [raw],
        dispose: async () => void raw.disconnect(),
      };
    },
  },
  {
    name: 'cluster',
    id: 'cluster',
    async start() {
      const harness = await RedisClusterHarness.start(3, { replicasPerMaster: 1 });
      const raw = harness.client();
      return {
        connection: { cluster: { nodes: harness.nodes } },
        raw,
        masters: () => raw.nodes('master'),
        dispose: async () => {
          raw.disconnect();
          await harness.dispose();
        },
      };
    },
  },
  {
    name: 'sentinel',
    id: 'sentinel',
    async start() {
      const harness = await RedisSentinelHarness.start();
      const redis = { sentinels: harness.sentinels, name: harness.name };
      const raw = new RedisClient({ ...redis, maxRetriesPerRequest: 1 });
      raw.on('error', () => undefined);
      return {
        connection: { redis },
        raw,
        masters: () => [raw],
        dispose: async () => {
          raw.disconnect();
          await harness.dispose();
        },
      };
    },
  },
];

function selected(): TopologyDefinition[] {
  const wanted = process.env.CACHE_TOPOLOGIES?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (!wanted?.length) return definitions;
  const unknown = wanted.filter((name) => !definitions.some((d) => d.id === name));
  if (unknown.length)
    throw new Error(
      `CACHE_TOPOLOGIES names ${unknown.join(', ')}; known: ${definitions.map((d) => d.id).join(', ')}`,
    );
  return definitions.filter((d) => wanted.includes(d.id));
}

/** What `describe.each` iterates over. */
export const topologies: TopologyDefinition[] = selected();

export interface TopologyHandle {
  /** The raw client (Cluster on the cluster topology); valid inside tests. */
  readonly raw: Redis | Cluster;
  /** Connection options for forRoot on this topology. */
  connection(): Connection;
  /**
   * A cache app on this topology, closed after the test. Apps given the same `namespace` are
   * instances of one service (same keys, locks, tags and L1 bus), as processes of a fleet are.
   */
  app(
    cache?: RedisCacheModuleOptions,
    metadata?: Omit<CacheAppOptions, 'cache'>,
  ): Promise<CacheApp>;
  /** Keys of `namespace` (entries and bookkeeping) on every master, sorted. */
  keys(namespace: string): Promise<string[]>;
}

/** Starts `topology` for the enclosing describe block (beforeAll) and stops it (afterAll). */
export function useTopology(topology: TopologyDefinition): TopologyHandle {
  let started: Started | undefined;
  const open: CacheApp[] = [];
  beforeAll(async () => {
    started = await topology.start();
  }, 60_000);
  afterEach(async () => {
    const apps = open.splice(0);
    // Shut down in reverse: an app's bookkeeping (stats flush, worker drain) before its peers'.
    for (const app of apps.reverse()) await app.close();
  });
  afterAll(async () => {
    await started?.dispose();
  });
  const need = (): Started => {
    if (!started)
      throw new Error(`the ${topology.name} topology is not started (use it in a test)`);
    return started;
  };
  return {
    get raw() {
      return need().raw;
    },
    connection: () => need().connection,
    async app(cache = {}, metadata = {}) {
      const app = await createCacheApp({
        ...metadata,
        cache: { namespace: uniqueNamespace(topology.id), ...cache, ...need().connection },
      });
      open.push(app);
      return app;
    },
    async keys(namespace) {
      const found = new Set<string>();
      await need().raw.ping(); // a Cluster client knows its masters once connected
      for (const node of need().masters()) {
        for (const match of [`${namespace}:*`, `${namespace}#*`]) {
          const stream = node.scanStream({ match, count: 1000 }) as AsyncIterable<string[]>;
          for await (const batch of stream) for (const key of batch) found.add(key);
        }
      }
      return [...found].sort();
    },
  };
}
