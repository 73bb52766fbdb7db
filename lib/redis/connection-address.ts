// Names where the module connects and why a connection failed, for the startup log: a refused
// port and an unknown host must not read alike. Never quotes credentials.
import type { Cluster, Redis } from 'ioredis';
import type { ConnectionTarget } from '../options/resolved-options.js';
import { firstSentence } from './startup-failure.js';

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

/**
 * `host:port` of a node given as a string: a URL, or `[user:password@]host:port` without a scheme,
 * which ioredis reads as if it had `//` in front (the WHATWG URL parser would take `localhost:` for
 * a scheme and find no host at all).
 */
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
  if (!(error instanceof Error)) return undefined;
  // A Cluster client reports the last node's error inside its own.
  const inner = (error as { lastNodeError?: unknown }).lastNodeError;
  if (inner !== undefined) return connectionFailureCause(inner);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined) return firstSentence(error.message) || undefined;
  return `${NETWORK_CAUSES[code] ?? firstSentence(error.message)} (${code})`;
}
