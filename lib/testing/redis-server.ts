// Starts one redis-server process on a port, with no persistence, and waits until it answers PING:
// the launcher behind startTestRedis() and behind the repository's own suite
// (test/support/redis-server.ts), so both fail the same way when the binary is missing.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { RedisCacheError } from '../errors/errors.js';

/** The environment variable naming the redis-server binary to run (else `redis-server` on PATH). */
const REDIS_SERVER_BIN_ENV = 'REDIS_SERVER_BIN';

/** redis-server could not be run (`E_TEST_REDIS_NOT_FOUND`) or did not answer (`E_TEST_REDIS_START`). */
export class TestRedisError extends RedisCacheError {
  constructor(
    code: 'E_TEST_REDIS_NOT_FOUND' | 'E_TEST_REDIS_START',
    message: string,
    /** The binary that was run. */
    readonly binary: string,
    cause?: unknown,
  ) {
    super(code, message, { cause });
  }
}

export interface RedisServerLaunch {
  port: number;
  /** The working directory Redis is given (it writes nothing there: persistence is off). */
  dir: string;
  /** Extra `--name value` arguments. */
  args?: readonly string[];
  /** The binary to run. Default: `$REDIS_SERVER_BIN`, else `redis-server` on PATH. */
  binary?: string;
}

/** A free TCP port on 127.0.0.1 (free now: the caller binds it next). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Spawns redis-server; resolves once it answers PING, else kills it and throws a TestRedisError. */
export async function launchRedisServer(launch: RedisServerLaunch): Promise<ChildProcess> {
  const binary = launch.binary ?? (process.env[REDIS_SERVER_BIN_ENV] || 'redis-server');
  const child = spawn(
    binary,
    [
      '--port',
      String(launch.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      launch.dir,
      '--protected-mode',
      'no',
      ...(launch.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch (error) {
    throw new TestRedisError(
      'E_TEST_REDIS_NOT_FOUND',
      `redis-server not found: could not run "${binary}" (${(error as Error).message}). Install ` +
        `Redis (apt-get install redis-server, brew install redis) or set ${REDIS_SERVER_BIN_ENV} ` +
        'to the path of a redis-server binary.',
      binary,
      error,
    );
  }
  try {
    await waitUntilPingable(launch.port, child);
    return child;
  } catch (error) {
    child.kill('SIGKILL');
    throw new TestRedisError(
      'E_TEST_REDIS_START',
      `redis-server ("${binary}") on port ${launch.port} did not start: ` +
        `${(error as Error).message}\n${output}`,
      binary,
      error,
    );
  }
}

async function waitUntilPingable(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    const client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not listening yet
    } finally {
      client.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('no PONG within 10 s');
}
