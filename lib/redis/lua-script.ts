// A Lua script read once from its .lua file and called by SHA (EVALSHA), falling back to EVAL
// when the server does not know it yet (first call, restart, failover, new cluster node).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

type ScriptArg = string | number | Buffer;
type ScriptCall = (script: string, numKeys: number, ...args: ScriptArg[]) => Promise<unknown>;

export class LuaScript {
  readonly sha: string;

  /** `source`: the script text, also for callers that pipeline EVAL themselves. */
  private constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Loads `lua/<name>.lua` beside this module (copied next to the build output by the build). */
  static load(name: string): LuaScript {
    return new LuaScript(name, readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8'));
  }

  run(client: Redis | Cluster, keys: string[], args: ScriptArg[]): Promise<unknown> {
    return this.call(client, 'evalsha', 'eval', keys, args);
  }

  /** run(), with the script's string replies as Buffers (for binary cache entries). */
  runForBuffers(client: Redis | Cluster, keys: string[], args: ScriptArg[]): Promise<unknown> {
    // ioredis has a Buffer variant of every command but types only some; not callBuffer(), which
    // auto-pipelining mangles.
    return this.call(client, 'evalshaBuffer', 'evalBuffer', keys, args);
  }

  private async call(
    client: Redis | Cluster,
    bySha: string,
    bySource: string,
    keys: string[],
    args: ScriptArg[],
  ): Promise<unknown> {
    const commands = client as unknown as Record<string, ScriptCall>;
    try {
      return await commands[bySha].call(client, this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return commands[bySource].call(client, this.source, keys.length, ...keys, ...args);
    }
  }
}
