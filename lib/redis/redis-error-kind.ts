// Tells a failure of Redis itself (every command would fail now: an outage) from an error reply
// about one command (WRONGTYPE, OOM, NOPERM...: other keys are fine), logged without flooding.
import { LRUCache } from 'lru-cache';
import type { CacheLogger } from '../events/cache-logger.js';

/** Replies (first word) saying the server or its Cluster part cannot serve any command now. */
const SERVER_LEVEL_REPLIES = new Set([
  'LOADING', // restarting, loading its dataset
  'BUSY', // a script or function runs too long
  'MASTERDOWN', // a replica lost its master
  'CLUSTERDOWN', // the cluster (or this node's slots) cannot serve
  'TRYAGAIN', // a slot migrates or fails over
  'READONLY', // a replica promoted back, or a demoted master still addressed
  'NOREPLICAS', // min-replicas-to-write not met
  'MISCONF', // persistence failing: writes refused
  'NOAUTH', // the connection lost its authentication
  'WRONGPASS',
]);

/** Commands whose first argument is a subcommand (`CONFIG GET`), named with it. */
const CONTAINER_COMMANDS = new Set(['client', 'cluster', 'config', 'script', 'xgroup', 'xinfo']);
/** Keys named in the description of a refused command over several keys (a script). */
const NAMED_KEYS = 3;

/** The first word of a Redis error reply (`WRONGTYPE`, `ERR`...), or undefined for other errors. */
export function replyCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return undefined;
  const space = error.message.indexOf(' ');
  return space === -1 ? error.message : error.message.slice(0, space);
}

export function isCommandError(error: unknown): boolean {
  const code = replyCode(error);
  if (code === undefined) return false;
  return !SERVER_LEVEL_REPLIES.has(code);
}

/** For an ACL refusal (NOPERM names neither), the command and key or channel ioredis recorded. */
export function describeRedisError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (replyCode(error) !== 'NOPERM') return message;
  const command = (error as { command?: { name?: string; args?: unknown[] } }).command;
  const name = command?.name?.toLowerCase();
  if (!name) return `the Redis ACL denied a command (${message})`;
  const args = (command?.args ?? []).map((arg) =>
    typeof arg === 'string' || Buffer.isBuffer(arg) ? String(arg) : '',
  );
  const shown = CONTAINER_COMMANDS.has(name) && args[0] ? `${name} ${args[0]}` : name;
  return `the Redis ACL denied ${shown.toUpperCase()}${deniedTarget(name, args, message)} (${message})`;
}

/** " on key …" / " on channel …" for a refused key or channel; '' when the command itself is. */
function deniedTarget(name: string, args: string[], message: string): string {
  if (message.includes('to run the')) return '';
  if (message.includes('channel')) return ` on channel "${args[0]}"`;
  if (!message.includes('key')) return '';
  const keys = keyArguments(name, args);
  const named = keys.slice(0, NAMED_KEYS).map((key) => `"${key}"`);
  if (keys.length > NAMED_KEYS) named.push('…');
  return ` on key${keys.length > 1 ? 's' : ''} ${named.join(', ')}`;
}

/** The keys among a command's arguments, for the commands the library sends. */
function keyArguments(name: string, args: string[]): string[] {
  if (name === 'evalsha' || name === 'eval') return args.slice(2, 2 + Number(args[1]));
  if (name === 'xreadgroup' || name === 'xread') {
    const streams = args.findIndex((arg) => arg.toUpperCase() === 'STREAMS');
    return streams < 0
      ? []
      : args.slice(streams + 1, streams + 1 + (args.length - streams - 1) / 2);
  }
  if (CONTAINER_COMMANDS.has(name)) return args.slice(1, 2);
  return args.slice(0, 1);
}

export function commandKey(error: unknown): string | undefined {
  const command = (error as { command?: { name?: string; args?: unknown[] } }).command;
  if (!command?.args || command.args.length === 0) return undefined;
  const name = command.name?.toLowerCase();
  // EVALSHA/EVAL sha numkeys key...
  const key = name === 'evalsha' || name === 'eval' ? command.args[2] : command.args[0];
  return typeof key === 'string' || Buffer.isBuffer(key) ? String(key) : undefined;
}

// Once per key and error kind per minute, and at most a few lines a minute in all: a scan over
// poisoned keys then costs one summary line, not one per key.
const REPEAT_AFTER_MS = 60_000;
const LINES_PER_WINDOW = 10;

export class CommandErrorLog {
  /** (key, kind) pairs logged in the last minute; past 1000 the least recently logged go. */
  private readonly recent = new LRUCache<string, true>({ max: 1_000, ttl: REPEAT_AFTER_MS });
  private windowStart = 0;
  private linesInWindow = 0;
  private suppressed = 0;

  constructor(private readonly logger: CacheLogger) {}

  report(key: string | undefined, code: string, operation: 'read' | 'write', detail: string): void {
    // Real time, not the cache's clock: this paces log lines for whoever reads the log.
    const now = Date.now();
    const id = `${code}\u0000${key ?? ''}`;
    if (this.recent.has(id)) return;
    if (now - this.windowStart >= REPEAT_AFTER_MS) {
      if (this.suppressed > 0)
        this.logger.warn(
          `${this.suppressed} more Redis command errors in the last minute were not logged.`,
        );
      this.windowStart = now;
      this.linesInWindow = 0;
      this.suppressed = 0;
    }
    if (this.linesInWindow >= LINES_PER_WINDOW) {
      this.suppressed++;
      return;
    }
    this.linesInWindow++;
    this.recent.set(id, true);
    const about = key === undefined ? '' : ` of "${key}"`;
    const outcome = operation === 'read' ? 'treated as a miss' : 'skipped';
    this.logger.warn(
      `Redis refused a ${operation}${about} (${detail}): ${outcome}; other keys are unaffected.`,
    );
  }
}
