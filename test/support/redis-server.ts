// Starts and controls real redis-server processes on free ports, so tests never touch the
// machine's shared Redis on 6379 and can stop, kill and restart their own servers.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, launchRedisServer } from '../../lib/testing/redis-server.js';

export { freePort };

export const REDIS_SERVER_MISSING =
  'redis-server not found: install it (apt-get install redis-server, brew install redis) or set REDIS_URL to a Redis the tests may use.';

export function redisServerAvailable(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.status === 0;
}

export interface RedisServerOptions {
  /** Extra `--name value` arguments for redis-server. */
  args?: string[];
  port?: number;
}

export class RedisServer {
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'redis-test-'));

  private constructor(
    readonly port: number,
    private readonly extraArgs: string[],
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(options.port ?? (await freePort()), options.args ?? []);
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    // Not `child.killed`: it turns true on any signal sent, SIGSTOP/SIGCONT included, and a
    // start() after resume() would then orphan the still-running server.
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Starts (or restarts) the server on the same port. */
  async start(): Promise<void> {
    if (this.running) return;
    // The launcher users get from nestjs-redis-cache/testing: same arguments, same errors.
    this.child = await launchRedisServer({ port: this.port, dir: this.dir, args: this.extraArgs });
  }

  /** Stops the server the way an outage would: the process is gone, the port refuses. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    this.child = undefined;
  }

  /** Freezes the process (SIGSTOP): connections stay open but nothing answers. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async dispose(): Promise<void> {
    this.resume();
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
