// A Lua script read once from its .lua file and called by SHA (EVALSHA), falling back to EVAL
// when the server does not know it yet (first call, restart, failover, new cluster node).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

type ScriptArg = string | number | Buffer;

type ScriptCall = (
  script: string,
  numKeys: number,
  ...keysAndArgs: ScriptArg[]
) => Promise<unknown>;

interface BufferScriptCommands {
  evalshaBuffer: ScriptCall;
  evalBuffer: ScriptCall;
}

export class LuaScript {
  readonly sha: string;
  /** The script text, for callers that pipeline EVAL themselves. */
  readonly source: string;

  private constructor(
    readonly name: string,
    source: string,
  ) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Loads `lua/<name>.lua` beside this module (copied next to the build output by the build). */
  static load(name: string): LuaScript {
    return new LuaScript(name, readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8'));
  }

  run(client: Redis | Cluster, keys: string[], args: ScriptArg[]): Promise<unknown> {
    return this.call(client.evalsha.bind(client), client.eval.bind(client), keys, args);
  }

  /** run(), with the script's string replies as Buffers (for binary cache entries). */
  runForBuffers(client: Redis | Cluster, keys: string[], args: ScriptArg[]): Promise<unknown> {
    // ioredis has a Buffer variant of every command but types only some; not callBuffer(), which
    // auto-pipelining mangles.
    const buffers = client as unknown as BufferScriptCommands;
    return this.call(
      buffers.evalshaBuffer.bind(client),
      buffers.evalBuffer.bind(client),
      keys,
      args,
    );
  }

  /** EVALSHA, then EVAL with the source if the server does not know the script (NOSCRIPT). */
  private async call(
    bySha: ScriptCall,
    bySource: ScriptCall,
    keys: string[],
    args: ScriptArg[],
  ): Promise<unknown> {
    try {
      return await bySha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return bySource(this.source, keys.length, ...keys, ...args);
    }
  }
}
