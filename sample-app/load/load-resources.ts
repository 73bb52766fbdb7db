// What a `npm run load` run has started and must undo: the shop processes, their Redis namespaces
// and the throwaway databases. Each is released as the run finishes with it; on SIGINT or SIGTERM
// whatever is still held is undone at once (traffic stopped, shops stopped, then their keys
// removed with SCAN + UNLINK, only their own namespaces), one line says so, and the command exits
// non-zero.
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';

interface Stoppable {
  stop(): void;
}

export class LoadResources {
  private readonly shops = new Set<ChildProcess>();
  private readonly namespaces = new Set<string>();
  private readonly traffic = new Set<Stoppable>();
  private readonly disposers: (() => Promise<void>)[] = [];
  private interruptedBy?: NodeJS.Signals;
  /** The cleanup after an interrupt, which ends the process. */
  private cleanup?: Promise<never>;

  constructor(private readonly redisUrl: string) {}

  /** Cleans up and exits on SIGINT/SIGTERM from now on. */
  exitCleanlyOnSignals(): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.on(signal, () => this.interrupt(signal));
  }

  get interrupted(): boolean {
    return this.interruptedBy !== undefined;
  }

  /** Throws once interrupted, so that the run starts nothing new while cleaning up. */
  assertRunning(): void {
    if (this.interruptedBy) throw new Error(`interrupted by ${this.interruptedBy}`);
  }

  /** A shop process just spawned, using `namespace` in Redis. */
  addShop(child: ChildProcess, namespace: string): void {
    this.assertRunning();
    this.shops.add(child);
    this.namespaces.add(namespace);
  }

  /** Traffic being sent (an autocannon instance), stopped on interrupt. */
  addTraffic(instance: Stoppable): () => void {
    this.traffic.add(instance);
    return () => this.traffic.delete(instance);
  }

  /** Something to undo on interrupt (the seeded databases), run after the shops stopped. */
  addDisposer(dispose: () => Promise<void>): void {
    this.disposers.push(dispose);
  }

  /**
   * Stops a shop: SIGTERM, SIGKILL after 15 s. Once interrupted, the cleanup does it: this waits
   * for it (and so never returns, as the cleanup exits).
   */
  stopShop(child: ChildProcess): Promise<void> {
    return this.cleanup ?? this.stop(child);
  }

  /**
   * Removes a shop's keys: its cache namespace (entries `ns:`, bookkeeping `ns#`, write-behind
   * queue `ns~`) and its data (`ns-data:`), with SCAN + UNLINK; nothing else. Once interrupted,
   * the cleanup does it, as stopShop().
   */
  async deleteNamespace(namespace: string): Promise<void> {
    if (this.cleanup) return this.cleanup;
    await this.unlink(namespace);
  }

  private async stop(child: ChildProcess): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    this.shops.delete(child);
  }

  /** Unlinks the keys of `namespace` (see deleteNamespace), resolving to how many there were. */
  private async unlink(namespace: string): Promise<number> {
    const redis = new Redis(this.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    let removed = 0;
    try {
      await redis.connect();
      for (const match of [
        `${namespace}:*`,
        `${namespace}#*`,
        `${namespace}~*`,
        `${namespace}-data:*`,
      ]) {
        for await (const keys of redis.scanStream({ match, count: 1000 }) as AsyncIterable<
          string[]
        >) {
          if (keys.length > 0) removed += await redis.unlink(...keys);
        }
      }
      this.namespaces.delete(namespace);
    } catch (error) {
      process.stderr.write(
        `could not delete namespace ${namespace}: ${(error as Error).message}\n`,
      );
    } finally {
      redis.disconnect();
    }
    return removed;
  }

  private interrupt(signal: NodeJS.Signals): void {
    if (this.interruptedBy) {
      process.stderr.write(`${signal}: still cleaning up after ${this.interruptedBy}...\n`);
      return;
    }
    this.interruptedBy = signal;
    this.cleanup = this.undoAndExit(signal);
  }

  private async undoAndExit(signal: NodeJS.Signals): Promise<never> {
    process.stderr.write(`\n${signal}: stopping the load and removing what it started...\n`);
    for (const instance of this.traffic) instance.stop();
    const shops = [...this.shops];
    await Promise.all(shops.map((child) => this.stop(child)));
    const namespaces = [...this.namespaces];
    let keys = 0;
    for (const namespace of namespaces) keys += await this.unlink(namespace);
    for (const dispose of this.disposers.splice(0))
      await dispose().catch((error: Error) =>
        process.stderr.write(`could not remove a database: ${error.message}\n`),
      );
    process.stderr.write(
      `Interrupted by ${signal}: stopped ${shops.length} shop process(es), removed ${keys} ` +
        `Redis key(s) of namespace(s) ${namespaces.join(', ') || '(none)'}, ` +
        `removed the run's databases; nothing recorded.\n`,
    );
    process.exit(signal === 'SIGINT' ? 130 : 143);
  }
}
