// startTestRedis(): a throwaway redis-server for one test file, on a free port, with no
// persistence, killed by stop() (or when the process exits), and a namespace per test. Written
// for any test runner: it only returns promises, so Vitest and Jest hooks alike can await it.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, launchRedisServer, TestRedisError } from './redis-server.js';

export interface TestRedisOptions {
  /** The redis-server binary. Default: `$REDIS_SERVER_BIN`, else `redis-server` on PATH. */
  binary?: string;
  /** Extra redis-server arguments, e.g. `['--maxmemory', '10mb']`. */
  args?: readonly string[];
}

/** A running throwaway Redis (see startTestRedis). */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>`: give it to `RedisCacheModule.forRoot({ url })`. */
  readonly url: string;
  readonly port: number;
  /** A namespace no other call returned: one per test keeps tests apart on the one server. */
  namespace(): string;
  /** Deletes every key of `namespace` (entries, tags, locks, queue); with none, every key. */
  clear(namespace?: string): Promise<void>;
  /** Kills the server and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** A port taken between freePort() and redis-server binding it: tried again on another. */
const ATTEMPTS = 3;

/**
 * Starts redis-server on a free port of 127.0.0.1 and resolves once it answers. Throws a
 * TestRedisError (code `E_TEST_REDIS_NOT_FOUND`) naming the binary when it cannot be run.
 */
export async function startTestRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'nestjs-redis-cache-test-'));
    const port = await freePort();
    try {
      const child = await launchRedisServer({ port, dir, ...options });
      return new ThrowawayRedis(port, child, dir);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      const portTaken = error instanceof TestRedisError && error.code === 'E_TEST_REDIS_START';
      if (!portTaken || attempt === ATTEMPTS) throw error;
    }
  }
}

class ThrowawayRedis implements TestRedis {
  readonly url: string;
  private client?: Redis;
  private count = 0;
  /** Kills the server if the test process ends without stop() (a crashed or interrupted run). */
  private readonly killOnExit = (): void => void this.child.kill('SIGKILL');

  constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
    process.once('exit', this.killOnExit);
  }

  namespace(): string {
    return `test-${++this.count}-${randomBytes(4).toString('hex')}`;
  }

  async clear(namespace?: string): Promise<void> {
    const client = (this.client ??= new Redis(this.url, { lazyConnect: false }));
    if (namespace === undefined) {
      await client.flushall();
      return;
    }
    // What the module writes: `ns:key` entries, `ns#kind:name` bookkeeping, `ns~wb…` the queue.
    for (const match of [`${namespace}:*`, `${namespace}#*`, `${namespace}~*`])
      for await (const keys of client.scanStream({ match, count: 1000 }) as AsyncIterable<string[]>)
        if (keys.length > 0) await client.unlink(...keys);
  }

  async stop(): Promise<void> {
    process.off('exit', this.killOnExit);
    this.client?.disconnect();
    this.client = undefined;
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
