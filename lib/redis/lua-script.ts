// A Lua script read once from its .lua file and called by SHA (EVALSHA), falling back to EVAL
// when the server does not know it yet (first call, restart, failover, new cluster node).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

type ScriptCall = (
  script: string,
  numKeys: number,
  ...keysAndArgs: (string | number | Buffer)[]
) => Promise<unknown>;

interface BufferScriptCommands {
  evalshaBuffer: ScriptCall;
  evalBuffer: ScriptCall;
}

export class LuaScript {
  readonly sha: string;
  private readonly source: string;

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

  async run(
    client: Redis | Cluster,
    keys: string[],
    args: (string | number | Buffer)[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  /** run(), with the script's string replies as Buffers (for binary cache entries). */
  async runForBuffers(
    client: Redis | Cluster,
    keys: string[],
    args: (string | number | Buffer)[],
  ): Promise<unknown> {
    // ioredis has a Buffer variant of every command but types only some; not callBuffer(), which
    // auto-pipelining mangles.
    const buffers = client as unknown as BufferScriptCommands;
    try {
      return await buffers.evalshaBuffer(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return buffers.evalBuffer(this.source, keys.length, ...keys, ...args);
    }
  }
}
