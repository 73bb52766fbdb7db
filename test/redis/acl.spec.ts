// A Redis ACL user limited to the cache's namespace runs every feature: tags, the fleet-wide lock,
// L1 invalidation between instances, write-behind (queued, not persisted synchronously) and its
// dead letters, with no ACL refusal in the log (ioredis's included). Two users: the namespace as one
// pattern (`~ns* &ns*`) and the patterns docs/operations.md gives (`~ns:* ~ns#* ~ns~* &ns#*`), both
// with `+@all -@dangerous +info` (INFO: ioredis's ready check on every connection). Real Redis, two
// app instances per namespace.
import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { WriteBehind, type L1Options } from '../../lib/index.js';
import { CONFIG_DENIED_NOTICE } from '../../lib/redis/memory-policy.js';
import { createCacheApp, uniqueNamespace, type CacheApp } from '../support/cache-app.js';
import { eventually, sleep } from '../support/eventually.js';
import { LogCapture } from '../support/log-capture.js';
import { rawRedis } from '../support/raw-redis.js';
import { RedisClusterHarness } from '../support/redis-cluster.js';
import { RedisServer } from '../support/redis-server.js';

/** The persister of the @WriteBehind methods: what ran, and whether inside the caller's call. */
class OrdersTable {
  readonly saved: number[] = [];
  rejected = 0;
}

@Injectable()
class Orders {
  constructor(private readonly table: OrdersTable) {}

  @WriteBehind({ key: 'order:{0}' })
  async save(id: number): Promise<void> {
    this.table.saved.push(id);
  }

  @WriteBehind({ key: 'refund:{0}', maxAttempts: 1 })
  async refund(_id: number): Promise<void> {
    this.table.rejected++;
    throw new Error('the payment provider refused the refund');
  }
}

const FAST = { blockTime: '50ms', claimIdle: '2s', backoff: { base: '30ms' } } as const;
/** The commands of every user here: all but the dangerous ones, and INFO (ioredis's ready check). */
const COMMANDS = ['+@all', '-@dangerous', '+info'];

/** ACL selectors of a user limited to `ns`, as each case spells them. */
const users = [
  { name: 'the namespace as one pattern', patterns: (ns: string) => [`~${ns}*`, `&${ns}*`] },
  {
    name: 'the patterns docs/operations.md gives',
    patterns: (ns: string) => [`~${ns}:*`, `~${ns}#*`, `~${ns}~*`, `&${ns}#*`],
  },
];

let server: RedisServer;
let admin: Redis;
const logs = new LogCapture();
const apps: CacheApp[] = [];

beforeAll(async () => {
  server = await RedisServer.start();
  admin = rawRedis(server.url);
});
/** What reaches the console outside Nest's logger (ioredis warns there). */
let consoleLines: string[] = [];
beforeEach(() => {
  consoleLines = [];
  for (const method of ['warn', 'error'] as const)
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleLines.push(args.map(String).join(' '));
    });
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  logs.restore();
  vi.restoreAllMocks();
});
afterAll(async () => {
  admin.disconnect();
  await server.dispose();
});

/** A fresh namespace and the URL of a user that may use only what `selectors` grant in it. */
async function restrictedUser(
  selectors: (namespace: string) => string[],
  commands = COMMANDS,
): Promise<{ namespace: string; url: string }> {
  const namespace = uniqueNamespace('acl');
  const user = `u-${namespace}`;
  await admin.call('ACL', 'SETUSER', user, 'on', '>pw', ...selectors(namespace), ...commands);
  return { namespace, url: server.url.replace('redis://', `redis://${user}:pw@`) };
}

/** Two instances of one app on one namespace, connected as a user limited by `selectors`. */
async function fleet(
  selectors: (namespace: string) => string[],
  l1: L1Options = { ttl: '1m' },
  commands = COMMANDS,
): Promise<{ a: CacheApp; b: CacheApp; table: OrdersTable }> {
  const { namespace, url } = await restrictedUser(selectors, commands);
  const table = new OrdersTable();
  const instance = async () => {
    const app = await createCacheApp({
      cache: { url, namespace, l1, writeBehind: FAST },
      providers: [Orders, { provide: OrdersTable, useValue: table }],
      logs,
    });
    apps.push(app);
    return app;
  };
  logs.clear();
  return { a: await instance(), b: await instance(), table };
}

/** Waits until both instances trust their L1 (their invalidation subscription is up). */
async function l1Live(...instances: CacheApp[]): Promise<void> {
  for (const app of instances)
    await eventually(
      () => app.cache.stats().l1!.active,
      (active) => active,
      { what: 'the L1 invalidation subscribed' },
    );
}

/** A write in A evicts the value from B's L1 (B held it there: a read to fill, one to hit). */
async function writeReachesOtherL1(a: CacheApp, b: CacheApp): Promise<void> {
  await a.cache.set('k', 'v1');
  await eventually(
    async () => {
      expect(await b.cache.get('k')).toBe('v1');
      const before = b.cache.stats().l1!.hits;
      expect(await b.cache.get('k')).toBe('v1');
      return b.cache.stats().l1!.hits - before;
    },
    (hits) => hits === 1,
    { what: 'B serving k from its L1' },
  );
  await a.cache.set('k', 'v2');
  await eventually(
    () => b.cache.get('k'),
    (value) => value === 'v2',
    { what: 'B reading the new value' },
  );
}

/**
 * A @WriteBehind call in A is queued (the call returns before the persister runs) and persisted by
 * the worker; a failing one from B is dead-lettered, listed by A and purged by B.
 */
async function writeBehindRoundTrip(a: CacheApp, b: CacheApp, table: OrdersTable): Promise<void> {
  await a.get(Orders).save(7);
  // Queued: the call returned before the persister ran (a synchronous write would have run it).
  expect(table.saved).toEqual([]);
  await eventually(
    () => table.saved,
    (saved) => saved.length === 1,
    { what: 'the worker persisting order 7' },
  );
  expect(table.saved).toEqual([7]);
  expect(await a.cache.writeBehindQueue.stats()).toMatchObject({ enqueued: 1, fallbacks: 0 });

  await b.get(Orders).refund(9);
  expect(table.rejected).toBe(0);
  const letters = await eventually(
    () => a.cache.writeBehindQueue.deadLetters(),
    (list) => list.length === 1,
    { what: 'the refund dead-lettered' },
  );
  expect(letters[0]).toMatchObject({
    key: 'refund:9',
    writer: 'Orders.refund',
    error: 'the payment provider refused the refund',
  });
  expect(table.rejected).toBe(1);
  expect(await b.cache.writeBehindQueue.purge(letters[0].id)).toBe(1);
  expect(await a.cache.writeBehindQueue.deadLetters()).toEqual([]);
}

/**
 * Warnings and errors, any line about an ACL refusal or Redis being unreachable, and what reached
 * the console; not the one line each instance says about the optional check the ACL turns off
 * (`CONFIG GET`).
 */
const trouble = () =>
  logs.entries
    .filter(
      (entry) =>
        entry.level === 'warn' ||
        entry.level === 'error' ||
        /NOPERM|ACL|unreachable/.test(entry.message),
    )
    .map((entry) => entry.message)
    .filter((message) => message !== CONFIG_DENIED_NOTICE)
    .concat(consoleLines);

describe.each(users)('a Redis user limited to the namespace ($name)', ({ patterns }) => {
  it('tags: an entry set with a tag is a miss after invalidateTags, in both instances', async () => {
    const { a, b } = await fleet(patterns);
    await a.cache.set('product:1', { name: 'lamp' }, { tags: ['products'] });
    expect(await b.cache.get('product:1')).toEqual({ name: 'lamp' });
    await b.cache.invalidateTags('products');
    expect(await b.cache.get('product:1')).toBeUndefined();
    await eventually(
      () => a.cache.get('product:1'),
      (value) => value === undefined,
      { what: 'A missing the invalidated entry' },
    );
    expect(trouble()).toEqual([]);
  });

  it('locks: concurrent getOrSet calls in two instances run the factory once', async () => {
    const { a, b } = await fleet(patterns);
    let runs = 0;
    const slow = async () => {
      runs++;
      await sleep(300);
      return 'computed';
    };
    const results = await Promise.all([
      a.cache.getOrSet('report', slow),
      b.cache.getOrSet('report', slow),
      a.cache.getOrSet('report', slow),
      b.cache.getOrSet('report', slow),
    ]);
    expect(results).toEqual(['computed', 'computed', 'computed', 'computed']);
    // Instances share no memory: only the lock in Redis keeps B from running the factory too.
    expect(runs).toBe(1);
    expect(trouble()).toEqual([]);
  });

  it('L1: a write in one instance evicts the value from the other’s L1', async () => {
    const { a, b } = await fleet(patterns);
    await l1Live(a, b);
    await writeReachesOtherL1(a, b);
    expect(trouble()).toEqual([]);
  });

  it('fleet stats: stats({ scope: cluster }) sums both instances', async () => {
    const { a, b } = await fleet(patterns);
    await a.cache.set('x', 1);
    expect(await b.cache.get('x')).toBe(1);
    expect(await a.cache.get('absent')).toBeUndefined();
    // Reading the totals adds the reader's own counts first: B's, then A's.
    await b.cache.stats({ scope: 'cluster' });
    expect(await a.cache.stats({ scope: 'cluster' })).toMatchObject({ hits: 1, misses: 1 });
    expect(trouble()).toEqual([]);
  });

  it('write-behind: a @WriteBehind call is queued, the worker persists it, dead letters are listed', async () => {
    const { a, b, table } = await fleet(patterns);
    await writeBehindRoundTrip(a, b, table);
    expect(trouble().filter((line) => !line.includes('refused the refund'))).toEqual([]);
  });
});

describe('a Redis user denied part of what the cache needs', () => {
  it('says the ACL denied it, naming the command and the keys, and is no outage', async () => {
    // Entries, tags and locks, but not the write-behind queue (`~ns~*`).
    const { namespace, url } = await restrictedUser((ns) => [`~${ns}:*`, `~${ns}#*`, `&${ns}#*`]);
    const table = new OrdersTable();
    logs.clear();
    const app = await createCacheApp({
      cache: { url, namespace, writeBehind: FAST },
      providers: [Orders, { provide: OrdersTable, useValue: table }],
      logs,
    });
    apps.push(app);

    // The queue refuses the job: the write is persisted at once rather than lost.
    await app.get(Orders).save(1);
    expect(table.saved).toEqual([1]);
    const stream = `${namespace}~wb{${namespace}~0}:stream`;
    const warnings = () => logs.of('warn').map((entry) => entry.message);
    expect(warnings()).toContainEqual(
      expect.stringContaining(
        `Redis refused the job (the Redis ACL denied EVALSHA on keys "${stream}"`,
      ),
    );
    // The worker cannot read its queue either (it creates its consumer group first).
    const workerDenied = (line: string) =>
      line.startsWith('Write-behind worker:') &&
      line.includes(`the Redis ACL denied XGROUP CREATE on key "${stream}"`);
    await eventually(
      () => warnings().some(workerDenied),
      (found) => found,
      { what: 'the worker saying which command the ACL denied' },
    );
    expect(warnings().filter((line) => /unreachable|unavailable/.test(line))).toEqual([]);
    // What the user may do still works: the refusal is about those keys, not an outage.
    await app.cache.set('k', 'v', { tags: ['t'] });
    expect(await app.cache.get('k')).toBe('v');
    expect(app.cache.stats().redis.available).toBe(true);
  });
});

describe("l1.invalidation 'tracking' under a user limited to the namespace", () => {
  const docsPatterns = users[1].patterns;

  it('works with the invalidation channel granted (&__redis__:invalidate)', async () => {
    const { a, b } = await fleet((ns) => [...docsPatterns(ns), '&__redis__:invalidate'], {
      ttl: '1m',
      invalidation: 'tracking',
    });
    await l1Live(a, b);
    await writeReachesOtherL1(a, b);
    expect(trouble()).toEqual([]);
  });

  it('without it, says once per instance which channel the ACL denied, and bypasses L1', async () => {
    const { a, b } = await fleet(docsPatterns, { ttl: '1m', invalidation: 'tracking' });
    const denied = logs
      .of('warn')
      .filter((entry) =>
        entry.message.includes('the Redis ACL denied SUBSCRIBE on channel "__redis__:invalidate"'),
      );
    expect(denied).toHaveLength(2);
    expect(a.cache.stats().l1!.active).toBe(false);
    // Correct, uncached by L1: every read goes to Redis.
    await a.cache.set('k', 'v1');
    expect(await b.cache.get('k')).toBe('v1');
    await a.cache.set('k', 'v2');
    expect(await b.cache.get('k')).toBe('v2');
  });
});

describe('optional commands the ACL denies', () => {
  it('CONFIG GET and INFO: one line each says what is off, and caching works', async () => {
    const { namespace, url } = await restrictedUser(users[1].patterns, ['+@all', '-@dangerous']);
    logs.clear();
    const app = await createCacheApp({ cache: { url, namespace }, logs });
    apps.push(app);
    await app.cache.set('k', 'v');
    expect(await app.cache.get('k')).toBe('v');
    const first = await app.cache.metrics();
    await app.cache.metrics();

    const lines = logs.entries.map((entry) => entry.message);
    expect(lines.filter((line) => line === CONFIG_DENIED_NOTICE)).toHaveLength(1);
    expect(lines.filter((line) => line.includes('does not allow INFO'))).toHaveLength(1);
    expect(first).not.toContain('redis_keyspace');
    expect(lines.filter((line) => /NOPERM|unreachable|unavailable/.test(line))).toEqual([]);
    // ioredis's own ready check needs INFO: it says so on the console, as documented.
    expect(consoleLines.some((line) => line.startsWith('Skipping the ready check'))).toBe(true);
    expect(app.cache.stats().redis.available).toBe(true);
  });
});

describe('a Redis user as `~ns* &ns* +@all -@dangerous` spells it (no INFO)', () => {
  it('queues @WriteBehind calls, runs them, and lists and purges dead letters', async () => {
    const { a, b, table } = await fleet(users[0].patterns, { ttl: '1m' }, ['+@all', '-@dangerous']);
    await writeBehindRoundTrip(a, b, table);
    const lines = logs.entries.map((entry) => entry.message);
    expect(lines.filter((line) => /NOPERM|unreachable|unavailable|synchronous/.test(line))).toEqual(
      [],
    );
    expect(a.cache.stats().redis.available).toBe(true);
  });
});

describe('a Redis user limited to the namespace, on Redis Cluster', () => {
  let cluster: RedisClusterHarness;
  beforeAll(async () => {
    cluster = await RedisClusterHarness.start(3);
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('runs tags, the lock and write-behind over its 8 shards, with nothing refused', async () => {
    const namespace = uniqueNamespace('acl');
    const user = `u-${namespace}`;
    // ACL users are per node: every node gets the line docs/operations.md gives.
    for (let i = 0; i < cluster.servers.length; i++) {
      const node = cluster.node(i);
      await node.call(
        'ACL',
        'SETUSER',
        user,
        'on',
        '>pw',
        ...users[1].patterns(namespace),
        ...COMMANDS,
      );
      node.disconnect();
    }
    const table = new OrdersTable();
    logs.clear();
    const app = await createCacheApp({
      cache: {
        cluster: {
          nodes: cluster.nodes,
          options: { redisOptions: { username: user, password: 'pw' } },
        },
        namespace,
        l1: { ttl: '1m' },
        writeBehind: FAST,
      },
      providers: [Orders, { provide: OrdersTable, useValue: table }],
      logs,
    });
    apps.push(app);
    await l1Live(app);

    await app.cache.set('product:1', 'lamp', { tags: ['products'] });
    expect(await app.cache.get('product:1')).toBe('lamp');
    await app.cache.invalidateTags('products');
    expect(await app.cache.get('product:1')).toBeUndefined();
    expect(await app.cache.getOrSet('report', async () => 'computed')).toBe('computed');

    const ids = Array.from({ length: 20 }, (_, i) => i);
    for (const id of ids) await app.get(Orders).save(id);
    expect(table.saved.length).toBeLessThan(ids.length);
    await eventually(
      () => table.saved.length,
      (count) => count === ids.length,
      { what: 'every queued order persisted' },
    );
    expect([...table.saved].sort((x, y) => x - y)).toEqual(ids);
    expect(await app.cache.writeBehindQueue.stats()).toMatchObject({ enqueued: 20, fallbacks: 0 });
    expect(await app.cache.writeBehindQueue.deadLetters()).toEqual([]);
    expect(trouble()).toEqual([]);
  });
});
