// Runs a TypeScript entry file in a real child Node process (through @swc-node's ESM loader,
// which keeps decorator metadata), for multi-instance and crash tests. Children talk back over
// stdout lines as JSON, so a test can wait for "ready" and read results.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * How long a child may take to start (Node + the TypeScript loader + a Nest app): a few seconds on
 * a quiet machine, much more on two busy cores, so startup waits use this rather than a tight bound.
 */
export const CHILD_START_TIMEOUT_MS = 60_000;

export interface ChildMessage {
  type: string;
  [field: string]: unknown;
}

export class NodeChild {
  readonly messages: ChildMessage[] = [];
  private readonly waiters: {
    predicate: (m: ChildMessage) => boolean;
    resolve: (m: ChildMessage) => void;
  }[] = [];
  private stderr = '';
  readonly exited: Promise<number | null>;

  private constructor(readonly process: ChildProcess) {
    createInterface({ input: process.stdout! }).on('line', (line) => {
      let message: ChildMessage;
      try {
        message = JSON.parse(line) as ChildMessage;
      } catch {
        return; // not a message: ordinary log output
      }
      this.messages.push(message);
      for (const waiter of [...this.waiters]) {
        if (waiter.predicate(message)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
    });
    process.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
  }

  /**
   * Starts `entry` (a path relative to the repository root) with extra environment variables,
   * Node options before it and the entry's own command-line arguments after it.
   */
  static start(
    entry: string,
    env: Record<string, string> = {},
    nodeArgs: string[] = [],
    entryArgs: string[] = [],
  ): NodeChild {
    const args = [...nodeArgs, '--import', '@swc-node/register/esm-register', entry, ...entryArgs];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...env, SWC_NODE_PROJECT: 'tsconfig.json' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new NodeChild(child);
  }

  /** Resolves with the first message (already received or coming) of this type that matches. */
  waitFor(
    type: string,
    timeoutMs = 15_000,
    predicate: (m: ChildMessage) => boolean = () => true,
  ): Promise<ChildMessage> {
    const match = (m: ChildMessage) => m.type === type && predicate(m);
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `child sent no "${type}" message within ${timeoutMs} ms; stderr:\n${this.stderr}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push({
        predicate: match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Sends one JSON line to the child's stdin. */
  send(message: ChildMessage): void {
    this.process.stdin!.write(`${JSON.stringify(message)}\n`);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.process.exitCode === null) this.process.kill(signal);
    return this.exited;
  }

  get errorOutput(): string {
    return this.stderr;
  }
}

/** For child entry files: reports a message to the parent test. */
export function reportToParent(message: ChildMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** For child entry files: calls `handler` for each JSON line the parent sends. */
export function onParentMessage(handler: (message: ChildMessage) => void): void {
  createInterface({ input: process.stdin }).on('line', (line) =>
    handler(JSON.parse(line) as ChildMessage),
  );
}
