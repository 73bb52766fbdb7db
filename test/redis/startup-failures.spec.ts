// Wrong credentials and failed TLS handshakes at startup are named as such (one line, no secret
// in it), not reported as "not reachable"; the app still boots at once and serves uncached, and
// caching starts by itself once Redis accepts the connection. An unreachable Redis is named by
// address and cause; a database the server does not have stops the start.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RedisCacheModule,
  RedisCacheService,
  type RedisCacheModuleOptions,
} from '../../lib/index.js';
import { uniqueNamespace } from '../support/cache-app.js';
import { eventually } from '../support/eventually.js';
import { LogCapture } from '../support/log-capture.js';
import { rawRedis } from '../support/raw-redis.js';
import { freePort, RedisServer } from '../support/redis-server.js';

const PASSWORD = 'correct-horse-7f3a';
const WRONG = 'wrong-battery-91c2';
const logs = new LogCapture();
afterAll(() => logs.restore());

/** Boots an app the way a user would, with the log captured from the first line. */
async function boot(
  options: RedisCacheModuleOptions,
): Promise<{ module: TestingModule; cache: RedisCacheService; initMs: number }> {
  const module = await Test.createTestingModule({
    imports: [
      RedisCacheModule.forRoot({
        namespace: uniqueNamespace(),
        redisTimeouts: { connect: '5s' },
        stats: { flushInterval: false },
        ...options,
      }),
    ],
  }).compile();
  logs.attach();
  logs.clear();
  const started = Date.now();
  await module.init();
  return { module, cache: module.get(RedisCacheService), initMs: Date.now() - started };
}

/** The harness pings without a password: the password is set once the server runs. */
async function withPassword(server: RedisServer): Promise<RedisServer> {
  const admin = rawRedis(server.url);
  await admin.config('SET', 'requirepass', PASSWORD);
  admin.disconnect();
  return server;
}

/** Warnings of the cache, but the memory-settings advice (test servers have no maxmemory). */
const cacheWarnings = () =>
  logs
    .of('warn', 'RedisCache')
    .map((entry) => entry.message)
    .filter((message) => !/maxmemory/.test(message));
const everyLine = () => logs.entries.map((entry) => entry.message).join('\n');

describe('a server with requirepass', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await withPassword(await RedisServer.start());
  });
  afterAll(() => server.dispose());

  it('a wrong password is reported as such, at once, without the password', async () => {
    const { module, cache, initMs } = await boot({
      url: `redis://:${WRONG}@127.0.0.1:${server.port}`,
    });
    try {
      // Not the 5 s redisTimeouts.connect: the refusal ends the wait.
      expect(initMs).toBeLessThan(2_500);
      const warnings = cacheWarnings();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/authentication failed/);
      expect(warnings[0]).toMatch(/WRONGPASS/);
      expect(warnings[0]).not.toMatch(/not reachable/);
      expect(warnings[0]).not.toContain('\n');
      expect(everyLine()).not.toContain(WRONG);
      expect(everyLine()).not.toContain(PASSWORD);
      expect(await cache.getOrSet('k', () => 'computed')).toBe('computed');
      expect(cache.stats().redis.available).toBe(false);
    } finally {
      await module.close();
    }
  });

  it('no password where one is required: NOAUTH, said so', async () => {
    const { module, initMs } = await boot({ url: server.url });
    try {
      expect(initMs).toBeLessThan(2_500);
      const warnings = cacheWarnings();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/authentication required.*NOAUTH/);
      expect(everyLine()).not.toContain(PASSWORD);
    } finally {
      await module.close();
    }
  });

  it('with the password given as an option, caching works', async () => {
    const { module, cache } = await boot({
      redis: { host: '127.0.0.1', port: server.port, password: PASSWORD },
    });
    try {
      await cache.set('k', 'v');
      expect(await cache.get('k')).toBe('v');
      expect(cacheWarnings()).toHaveLength(0);
    } finally {
      await module.close();
    }
  });

  it('caching starts by itself once the server accepts the credentials', async () => {
    const other = await withPassword(await RedisServer.start());
    const { module, cache } = await boot({ url: `redis://:${WRONG}@127.0.0.1:${other.port}` });
    try {
      expect(cache.stats().redis.available).toBe(false);
      const admin = rawRedis(`redis://:${PASSWORD}@127.0.0.1:${other.port}`);
      await admin.config('SET', 'requirepass', WRONG);
      admin.disconnect();
      await eventually(
        async () => {
          await cache.set('k', 'v');
          return cache.get('k');
        },
        (value) => value === 'v',
        { timeoutMs: 15_000, what: 'caching after the password was fixed' },
      );
      expect(cache.stats().redis.available).toBe(true);
    } finally {
      await module.close();
      await other.dispose();
    }
  });
});

describe('TLS', () => {
  let dir: string;
  let server: RedisServer;
  let tlsPort: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'redis-tls-'));
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
    ]);
    if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr.toString()}`);
    tlsPort = await freePort();
    server = await RedisServer.start({
      args: [
        '--tls-port',
        String(tlsPort),
        '--tls-cert-file',
        join(dir, 'cert.pem'),
        '--tls-key-file',
        join(dir, 'key.pem'),
        '--tls-auth-clients',
        'no',
      ],
    });
  });
  afterAll(async () => {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an untrusted server certificate is reported as a TLS failure', async () => {
    const { module, initMs } = await boot({
      redis: { host: '127.0.0.1', port: tlsPort, tls: {} },
    });
    try {
      expect(initMs).toBeLessThan(2_500);
      const warnings = cacheWarnings();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/TLS connection failed: self-signed certificate/);
    } finally {
      await module.close();
    }
  });

  it('with the CA given, caching works over TLS', async () => {
    const ca = readFileSync(join(dir, 'cert.pem'));
    const { module, cache } = await boot({
      redis: { host: '127.0.0.1', port: tlsPort, tls: { ca, servername: 'localhost' } },
    });
    try {
      await cache.set('k', 'v');
      expect(await cache.get('k')).toBe('v');
      expect(cacheWarnings()).toHaveLength(0);
    } finally {
      await module.close();
    }
  });
});

describe('where it connects', () => {
  it('a port nothing listens on: the warning names the address and ECONNREFUSED', async () => {
    const port = await freePort();
    const { module } = await boot({
      url: `redis://127.0.0.1:${port}`,
      redisTimeouts: { connect: '500ms' },
    });
    try {
      const warnings = cacheWarnings();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`127.0.0.1:${port}`);
      expect(warnings[0]).toMatch(/connection refused.*\(ECONNREFUSED\)/);
    } finally {
      await module.close();
    }
  });

  it('a host that does not resolve: the warning names the host and ENOTFOUND', async () => {
    const { module } = await boot({
      redis: { host: 'no-such-host.invalid', port: 6390 },
      redisTimeouts: { connect: '500ms' },
    });
    try {
      const warnings = cacheWarnings();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('no-such-host.invalid:6390');
      expect(warnings[0]).toMatch(/unknown host.*\(ENOTFOUND\)/);
      expect(warnings[0]).not.toMatch(/ECONNREFUSED/);
    } finally {
      await module.close();
    }
  });

  it('Cluster seed nodes given as "host:port" strings are named, credentials left out', async () => {
    const [first, second] = [await freePort(), await freePort()];
    const { module } = await boot({
      cluster: { nodes: [`localhost:${first}`, `cache-user:${WRONG}@localhost:${second}`] },
      redisTimeouts: { connect: '500ms' },
    });
    try {
      const warnings = cacheWarnings();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`the Redis Cluster at localhost:${first}, localhost:${second}`);
      expect(everyLine()).not.toContain(WRONG);
    } finally {
      await module.close();
    }
  });

  describe('a database the server does not have', () => {
    let server: RedisServer;
    beforeAll(async () => {
      server = await RedisServer.start();
    });
    afterAll(() => server.dispose());

    const connectedClients = async () => {
      const admin = rawRedis(server.url);
      try {
        return (
          String(await admin.client('LIST'))
            .trim()
            .split('\n').length - 1
        ); // less the admin
      } finally {
        admin.disconnect();
      }
    };

    const withDb99: [string, (port: number) => RedisCacheModuleOptions][] = [
      ['url', (port) => ({ url: `redis://127.0.0.1:${port}/99` })],
      ['redis.db', (port) => ({ redis: { host: '127.0.0.1', port, db: 99 } })],
    ];
    it.each(withDb99)(
      'stops the start naming "%s", and leaves no connection open',
      async (option, options) => {
        const before = await connectedClients();
        await expect(boot(options(server.port))).rejects.toMatchObject({
          code: 'E_CACHE_CONFIG',
          option,
          message: expect.stringMatching(/database 99.*DB index is out of range/),
        });
        await eventually(connectedClients, (count) => count === before, {
          timeoutMs: 5_000,
          what: 'the refused connection to close',
        });
        const db0 = rawRedis(server.url);
        expect(await db0.dbsize()).toBe(0);
        db0.disconnect();
      },
    );

    it('a database the server has is used', async () => {
      const { module, cache } = await boot({ url: `redis://127.0.0.1:${server.port}/3` });
      try {
        await cache.set('k', 'v');
        const db3 = rawRedis(`redis://127.0.0.1:${server.port}/3`);
        expect(await db3.dbsize()).toBeGreaterThan(0);
        db3.disconnect();
        expect(await cache.get('k')).toBe('v');
      } finally {
        await module.close();
      }
    });
  });
});
