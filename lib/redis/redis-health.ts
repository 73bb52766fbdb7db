// Tracks whether Redis can be used right now. After a failure of Redis itself the cache bypasses
// Redis for `retryAfter` (so a dead or frozen Redis costs requests nothing), logs once per outage,
// and resumes by itself when a command succeeds again. An error reply about one command (a key of
// the wrong type, OOM...) fails that operation only: the server answered, it is no outage.
import { Logger } from '@nestjs/common';
import { CommandErrorLog } from './command-error-log.js';
import { commandKey, isCommandError, replyCode } from './redis-error-kind.js';

export class RedisHealth {
  private bypassUntil = 0;
  private inOutage = false;
  errors = 0;
  outages = 0;
  skippedWrites = 0;
  private readonly commandErrors: CommandErrorLog;

  constructor(
    private readonly logger: Logger,
    private readonly retryAfterMs: number,
    private readonly isConnected: () => boolean,
  ) {
    this.commandErrors = new CommandErrorLog(logger);
  }

  /**
   * Runs a Redis operation unless Redis is known to be unavailable. Failures are counted and
   * logged once per outage and resolve to `undefined`: a read is then a miss, a write is skipped.
   * `key` (the Redis key the operation is about) names it in logs of command errors.
   */
  attempt<T>(
    operation: () => Promise<T>,
    kind: 'read' | 'write',
    key?: string,
  ): Promise<T | undefined> {
    // Not an async function: on the hit path every promise layer costs.
    if (!this.usable()) {
      if (kind === 'write') this.skippedWrites++;
      return Promise.resolve(undefined);
    }
    let pending: Promise<T>;
    try {
      pending = operation();
    } catch (error) {
      return Promise.resolve(this.fail(error, kind, key));
    }
    return pending.then(
      (result) => {
        if (this.bypassUntil !== 0 || this.inOutage) this.succeeded();
        return result;
      },
      (error: unknown) => this.fail(error, kind, key),
    );
  }

  private fail(error: unknown, kind: 'read' | 'write', key: string | undefined): undefined {
    if (isCommandError(error)) {
      this.errors++;
      this.commandErrors.report(key ?? commandKey(error), replyCode(error)!, kind, describe(error));
      // The server answered: it is reachable.
      if (this.bypassUntil !== 0 || this.inOutage) this.succeeded();
    } else {
      this.failed(error);
    }
    if (kind === 'write') this.skippedWrites++;
    return undefined;
  }

  /** False while the connection is down or a recent failure is still being waited out. */
  usable(): boolean {
    if (!this.isConnected()) {
      this.enterOutage('the connection is not ready');
      return false;
    }
    return this.bypassUntil === 0 || Date.now() >= this.bypassUntil;
  }

  private succeeded(): void {
    if (this.bypassUntil === 0 && !this.inOutage) return;
    this.bypassUntil = 0;
    if (this.inOutage) {
      this.inOutage = false;
      this.logger.log('Redis is reachable again; caching resumed.');
    }
  }

  private failed(error: unknown): void {
    this.errors++;
    this.bypassUntil = Date.now() + this.retryAfterMs;
    this.enterOutage(describe(error));
  }

  get available(): boolean {
    return !this.inOutage && this.isConnected();
  }

  /** Starts an outage (logged once) without a failed command, e.g. Redis unreachable at startup. */
  enterOutage(reason: string): void {
    if (this.inOutage) return;
    this.inOutage = true;
    this.outages++;
    this.logger.warn(
      `Redis unavailable (${reason}): reads are misses and writes are skipped until it returns.`,
    );
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
