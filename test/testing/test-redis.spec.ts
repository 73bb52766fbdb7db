// startTestRedis() from nestjs-redis-cache/testing, as a user's test file uses it: a Redis of its
// own on a free port, without persistence; a namespace per test that the module keeps apart and
// clear() empties; stop() kills the server; a clear error when redis-server cannot be run.
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { RedisCacheModule, RedisCacheService } from 'nestjs-redis-cache';
import { startTestRedis, TestRedisError, type TestRedis } from 'nestjs-redis-cache/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { namespaceKeys, rawRedis } from '../support/raw-redis.js';

async function cacheOn(url: string, namespace: string): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [RedisCacheModule.forRoot({ url, namespace })],
  }).compile();
  return moduleRef.init();
}

describe('startTestRedis', () => {
  let redis: TestRedis;
  let client: Redis;
  const modules: TestingModule[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    client = rawRedis(redis.url);
  });

  afterEach(async () => {
    await Promise.all(modules.splice(0).map((moduleRef) => moduleRef.close()));
  });

  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  it('starts a redis-server of its own on a free port, without persistence', async () => {
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(redis.port).not.toBe(6379);
    expect(await client.ping()).toBe('PONG');
    expect(await client.config('GET', 'save')).toEqual(['save', '']);
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
  });

  it('hands out a new namespace on every call, which the module keeps apart', async () => {
    const [first, second] = [redis.namespace(), redis.namespace()];
    expect(first).not.toBe(second);
    const one = await cacheOn(redis.url, first);
    const two = await cacheOn(redis.url, second);
    modules.push(one, two);
    await one.get(RedisCacheService).set('greeting', 'from one');
    expect(await two.get(RedisCacheService).get('greeting')).toBeUndefined();
    await two.get(RedisCacheService).set('greeting', 'from two');
    expect(await one.get(RedisCacheService).get('greeting')).toBe('from one');
  });

  it("clear(namespace) deletes that namespace's entries and tags, and nothing else", async () => {
    const [cleared, kept] = [redis.namespace(), redis.namespace()];
    const gone = await cacheOn(redis.url, cleared);
    const other = await cacheOn(redis.url, kept);
    modules.push(gone, other);
    await gone.get(RedisCacheService).set('product:1', { id: 1 }, { tags: ['products'] });
    await gone.get(RedisCacheService).invalidateTags('products');
    await gone.get(RedisCacheService).set('product:2', { id: 2 }, { tags: ['products'] });
    await other.get(RedisCacheService).set('product:1', { id: 1 }, { tags: ['products'] });
    expect(await namespaceKeys(client, cleared)).toContain(`${cleared}:product:2`);

    await redis.clear(cleared);

    expect(await namespaceKeys(client, cleared)).toEqual([]);
    expect(await gone.get(RedisCacheService).get('product:2')).toBeUndefined();
    expect(await other.get(RedisCacheService).get('product:1')).toEqual({ id: 1 });
  });

  it('clear() with no namespace empties the whole server', async () => {
    const namespace = redis.namespace();
    const moduleRef = await cacheOn(redis.url, namespace);
    modules.push(moduleRef);
    await moduleRef.get(RedisCacheService).set('k', 'v');
    await client.set('outside-any-namespace', '1');
    await redis.clear();
    expect(await client.dbsize()).toBe(0);
  });
});

describe('stop()', () => {
  it('kills the server: its port refuses connections afterwards, and a second stop() is harmless', async () => {
    const redis = await startTestRedis();
    const client = rawRedis(redis.url);
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    await redis.clear(); // opens the helper's own connection: stop() closes it too

    await redis.stop();

    const refused = await new Promise<string | undefined>((resolve) => {
      const socket = connect(redis.port, '127.0.0.1', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code));
    });
    expect(refused).toBe('ECONNREFUSED');
    await expect(redis.stop()).resolves.toBeUndefined();
  });
});

describe('without a redis-server binary', () => {
  const saved = { PATH: process.env.PATH, REDIS_SERVER_BIN: process.env.REDIS_SERVER_BIN };

  afterEach(() => {
    for (const [name, value] of Object.entries(saved))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  });

  it('rejects with a TestRedisError naming redis-server and how to get it when PATH has none', async () => {
    process.env.PATH = '/nonexistent';
    delete process.env.REDIS_SERVER_BIN;
    const failure = startTestRedis();
    await expect(failure).rejects.toBeInstanceOf(TestRedisError);
    await expect(failure).rejects.toMatchObject({
      code: 'E_TEST_REDIS_NOT_FOUND',
      binary: 'redis-server',
      message: expect.stringMatching(
        /^redis-server not found: could not run "redis-server" .*apt-get install redis-server, brew install redis.* set REDIS_SERVER_BIN to the path of a redis-server binary\.$/,
      ),
    });
  });

  it('names the binary REDIS_SERVER_BIN points to when nothing is there', async () => {
    process.env.REDIS_SERVER_BIN = '/nonexistent/bin/redis-server';
    await expect(startTestRedis()).rejects.toMatchObject({
      name: 'TestRedisError',
      code: 'E_TEST_REDIS_NOT_FOUND',
      binary: '/nonexistent/bin/redis-server',
      message: expect.stringContaining('could not run "/nonexistent/bin/redis-server"'),
    });
  });

  it('runs the binary REDIS_SERVER_BIN names', async () => {
    const path = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
    process.env.REDIS_SERVER_BIN = path;
    process.env.PATH = '/nonexistent';
    const redis = await startTestRedis();
    try {
      const client = rawRedis(redis.url);
      expect(await client.ping()).toBe('PONG');
      client.disconnect();
    } finally {
      await redis.stop();
    }
  });
});
