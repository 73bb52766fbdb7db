// Tells a failure of Redis itself (unreachable, too slow, loading, busy, failing over: every
// command would fail now) from an error reply about one command (WRONGTYPE, OOM, NOSCRIPT...: the
// server answered, other keys are fine). Only the first is an outage.

/**
 * Error replies that say the server (or its part of a Cluster) cannot serve any command right now,
 * whatever the key: the first word of the reply.
 */
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
  'NOPERM', // ACL: this user may not run the library's commands at all
]);

/** The first word of a Redis error reply (`WRONGTYPE`, `ERR`...), or undefined for other errors. */
export function replyCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return undefined;
  const space = error.message.indexOf(' ');
  return space === -1 ? error.message : error.message.slice(0, space);
}

/**
 * True when the error is a reply about this one command: the server is up and other operations
 * are unaffected. Connection errors, timeouts and server-level replies are not.
 */
export function isCommandError(error: unknown): boolean {
  const code = replyCode(error);
  if (code === undefined) return false;
  return !SERVER_LEVEL_REPLIES.has(code);
}

/** The key a failed command was about, as ioredis recorded the command on its error. */
export function commandKey(error: unknown): string | undefined {
  const command = (error as { command?: { name?: string; args?: unknown[] } }).command;
  if (!command?.args || command.args.length === 0) return undefined;
  const name = command.name?.toLowerCase();
  // EVALSHA/EVAL sha numkeys key...
  const key = name === 'evalsha' || name === 'eval' ? command.args[2] : command.args[0];
  return typeof key === 'string' || Buffer.isBuffer(key) ? String(key) : undefined;
}
