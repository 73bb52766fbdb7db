// Names where the module connects and why a connection failed, for the startup log: a refused
// port, an unknown host, refused credentials and a failed TLS handshake must not read alike.
// Never quotes credentials: ioredis records `HELLO 3 AUTH <user> <password>` on the error.
import type { Cluster, Redis } from 'ioredis';
import type { ConnectionTarget } from '../options/resolved-options.js';

/** `host:port` (or the socket path, or the sentinels and master name, or the Cluster's seed nodes). */
export function connectionAddress(target: ConnectionTarget, client: Redis | Cluster): string {
  if (target.kind === 'disabled') return 'no Redis (disabled)';
  if (target.kind === 'cluster')
    return `the Redis Cluster at ${target.cluster.nodes.map(clusterNode).join(', ')}`;
  if ((client as Cluster).isCluster) return 'the Redis Cluster';
  const options = (client as Redis).options;
  if (options.sentinels && options.sentinels.length > 0)
    return `master "${options.name}" through the sentinels ${options.sentinels
      .map((sentinel) => `${sentinel.host ?? 'localhost'}:${sentinel.port ?? 26379}`)
      .join(', ')}`;
  if (options.path) return options.path;
  return `${options.host ?? 'localhost'}:${options.port ?? 6379}`;
}

function clusterNode(node: unknown): string {
  if (typeof node === 'number') return `localhost:${node}`;
  if (typeof node === 'string') return redactUrl(node);
  const { host, port } = node as { host?: string; port?: number };
  return `${host ?? 'localhost'}:${port ?? 6379}`;
}

// ioredis reads `[user:password@]host:port` as if it had `//` in front; the WHATWG URL parser would
// take `localhost:` for a scheme and find no host.
function redactUrl(address: string): string {
  try {
    const url = new URL(address.includes('//') ? address : `redis://${address}`);
    if (url.host !== '') return url.host;
  } catch {
    // Not a URL: shown without anything a password could be in.
  }
  return address.slice(address.lastIndexOf('@') + 1);
}

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing listens on that port',
  ENOTFOUND: 'unknown host: the name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved now (DNS)',
  ETIMEDOUT: 'no answer: the connection attempt timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'the connection was reset',
};

/** Why a connection attempt failed, with the system's error code: `unknown host ... (ENOTFOUND)`. */
export function connectionFailureCause(error: unknown): string | undefined {
  error = innermost(error);
  if (!(error instanceof Error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined) return firstSentence(error.message) || undefined;
  return `${NETWORK_CAUSES[code] ?? firstSentence(error.message)} (${code})`;
}

const TLS_CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
]);

/** A failure waiting will not cure (credentials, TLS), so the log does not say "not reachable". */
export function startupFailure(error: unknown): string | undefined {
  error = innermost(error);
  if (!(error instanceof Error)) return undefined;
  const word = error.message.split(' ', 1)[0];
  if (error.name === 'ReplyError') {
    if (word === 'WRONGPASS')
      return 'authentication failed: Redis refused the username/password pair (WRONGPASS); check the password and username of the connection';
    if (word === 'NOAUTH')
      return 'authentication required: Redis asks for a password and none was accepted (NOAUTH); set the password (and username) of the connection';
    if (word === 'NOPERM')
      return `the Redis user lacks a permission the cache needs (${firstSentence(error.message)})`;
    return undefined;
  }
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (
    TLS_CERTIFICATE_CODES.has(code) ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    (error as { library?: string }).library === 'SSL routines' ||
    error.message.includes('secure TLS connection')
  )
    return `TLS connection failed: ${firstSentence(error.message)}${code ? ` (${code})` : ''}; check the tls options (CA, server name) and that the port speaks TLS`;
  return undefined;
}

/** A Cluster client reports the last node's error inside its own. */
function innermost(error: unknown): unknown {
  const inner = (error as { lastNodeError?: unknown } | undefined)?.lastNodeError;
  return inner === undefined ? error : innermost(inner);
}

/** The first line of an error message, at most 200 characters: one log line, never a dump. */
function firstSentence(message: string): string {
  return message.split('\n', 1)[0].slice(0, 200);
}
