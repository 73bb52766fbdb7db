// `writeBehind.durability`: a tick's enqueues go in one pipeline per hash slot on a connection of
// their own, then one `WAIT replicas timeout`: WAIT covers every earlier write of its connection (a
// burst costs one wait), and blocks only this connection, never the cache's.
import type { Cluster, Redis } from 'ioredis';
import { WriteBehindNotDurableError } from '../errors/errors.js';
import type { LuaScript } from '../redis/lua-script.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import { TickBatch } from '../redis/tick-batch.js';
import type { ResolvedDurability } from '../options/resolved-options.js';

export interface DurableResult {
  /** The enqueue script's reply: the job is queued on the primary. */
  reply: unknown;
  /** Set when fewer than `replicas` replicas confirmed it within the timeout. */
  shortOf?: WriteBehindNotDurableError;
}

interface Request {
  keys: string[];
  /** The job's key first. */
  args: string[];
  resolve: (result: DurableResult) => void;
  reject: (error: unknown) => void;
}

type PipelineReplies = [Error | null, unknown][];

export class DurableEnqueue {
  private readonly batch: TickBatch<Request>;
  private client?: Redis | Cluster;
  /** Set while replicas fall short: said when an episode starts and ends. */
  private falling = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly durability: ResolvedDurability,
    private readonly script: LuaScript,
  ) {
    this.batch = new TickBatch(
      connection.isCluster,
      (request) => request.keys[0],
      (group) => void this.send(group),
    );
  }

  enqueue(keys: string[], args: string[]): Promise<DurableResult> {
    return new Promise((resolve, reject) => this.batch.add({ keys, args, resolve, reject }));
  }

  close(): void {
    this.client?.disconnect();
    this.client = undefined;
  }

  private async send(group: Request[]): Promise<void> {
    try {
      const timeoutMs = this.durability.timeoutMs;
      const client = (this.client ??= this.connection.duplicate({
        autoPipelining: false,
        commandTimeout: (commandTimeout) =>
          commandTimeout === undefined ? undefined : commandTimeout + timeoutMs,
      }));
      let replies = await this.pipeline(client, group, false);
      const unknown = group.filter((_, i) => isNoScript(replies[i][0]));
      if (unknown.length > 0) {
        // The server did not know the script (restart, failover): nothing was queued for these;
        // send them again with the script's text, and wait for them too.
        const again = await this.pipeline(client, unknown, true);
        replies = replies.map((reply, i) =>
          isNoScript(reply[0]) ? again[unknown.indexOf(group[i])] : reply,
        );
        replies.push(again[again.length - 1]);
      }
      const [waitError, confirmed] = replies[replies.length - 1];
      group.forEach((request, i) => {
        const [error, reply] = replies[i];
        if (error) request.reject(error);
        else request.resolve({ reply, shortOf: this.check(request.args[0], waitError, confirmed) });
      });
    } catch (error) {
      for (const request of group) request.reject(error);
    }
  }

  private pipeline(
    client: Redis | Cluster,
    group: Request[],
    bySource: boolean,
  ): Promise<PipelineReplies> {
    const pipeline = client.pipeline();
    for (const { keys, args } of group) {
      if (bySource) pipeline.eval(this.script.source, keys.length, ...keys, ...args);
      else pipeline.evalsha(this.script.sha, keys.length, ...keys, ...args);
    }
    // No key: ioredis sends it to the node the scripts went to, on the same connection.
    pipeline.call('WAIT', this.durability.replicas, this.durability.timeoutMs);
    return pipeline.exec() as Promise<PipelineReplies>;
  }

  private check(
    key: string,
    waitError: Error | null,
    confirmed: unknown,
  ): WriteBehindNotDurableError | undefined {
    const { replicas, timeoutMs, onTimeout } = this.durability;
    const count = waitError ? 0 : Number(confirmed);
    const short = count < replicas;
    if (short !== this.falling) {
      this.falling = short;
      if (short)
        this.connection.logger.warn(
          `Write-behind: only ${count} of ${replicas} replica(s) confirmed a queued job within ${timeoutMs} ms${waitError ? ` (WAIT failed: ${waitError.message})` : ''}; ${onTimeout === 'reject' ? 'such calls are rejected with WriteBehindNotDurableError' : 'such calls are acknowledged anyway'} and counted in stats().writeBehind.notDurable.`,
        );
      else
        this.connection.logger.log(
          `Write-behind: ${replicas} replica(s) confirm queued jobs again.`,
        );
    }
    return short ? new WriteBehindNotDurableError(key, replicas, count, timeoutMs) : undefined;
  }
}

function isNoScript(error: Error | null): boolean {
  return error !== null && error.message.startsWith('NOSCRIPT');
}
