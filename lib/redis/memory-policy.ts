// Reads maxmemory and maxmemory-policy (every master on Cluster) and says what can hurt the cache.
// Managed services often refuse CONFIG: then nothing is said, unless the ACL refuses it (the user
// can grant it).
import type { Cluster, Redis } from 'ioredis';
import { replyCode } from './redis-error-kind.js';

export interface MemoryPolicy {
  /** "host:port" on Cluster; undefined for a single server. */
  node?: string;
  maxmemory: number;
  policy: string;
}

/** Said once when the ACL refuses CONFIG GET: the check is off, and the user can turn it on. */
export const CONFIG_DENIED_NOTICE =
  'The Redis ACL does not allow CONFIG GET: maxmemory and maxmemory-policy are not checked (grant +config|get to have them checked; see docs/operations.md, ACL).';

/** Undefined if CONFIG is refused; `onAclDenied` when the refusal is the ACL's. */
export async function readMemoryPolicies(
  client: Redis | Cluster,
  isCluster: boolean,
  onAclDenied: () => void = () => undefined,
): Promise<MemoryPolicy[] | undefined> {
  const servers = isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  try {
    return await Promise.all(
      servers.map(async (server) => {
        const reply = (await server.call(
          'CONFIG',
          'GET',
          'maxmemory',
          'maxmemory-policy',
        )) as string[];
        const settings = new Map<string, string>();
        for (let i = 0; i + 1 < reply.length; i += 2) settings.set(reply[i], reply[i + 1]);
        return {
          node: isCluster ? `${server.options.host}:${server.options.port}` : undefined,
          maxmemory: Number(settings.get('maxmemory') ?? 0),
          policy: settings.get('maxmemory-policy') ?? 'noeviction',
        };
      }),
    );
  } catch (error) {
    if (replyCode(error) === 'NOPERM') onAclDenied();
    return undefined;
  }
}

/** One line per problem found (the nodes that have it named on Cluster); none for a sound setup. */
export function memoryPolicyWarnings(policies: MemoryPolicy[], writeBehind: boolean): string[] {
  const unlimited = policies.filter((p) => p.maxmemory === 0);
  const allKeys = policies.filter((p) => p.maxmemory > 0 && p.policy.startsWith('allkeys-'));
  const refusing = policies.filter((p) => p.maxmemory > 0 && p.policy === 'noeviction');
  const warnings: string[] = [];
  if (unlimited.length > 0)
    warnings.push(
      `Redis${on(unlimited)} has no maxmemory limit: the cache grows until the host runs out of memory. Set maxmemory (below the memory the host can give Redis) with maxmemory-policy ${writeBehind ? 'volatile-lru (write-behind is in use: its queue must never be evicted)' : 'allkeys-lru'}.`,
    );
  if (writeBehind && allKeys.length > 0)
    warnings.push(
      `Redis${on(allKeys)} evicts with maxmemory-policy ${allKeys[0].policy} while write-behind is in use: under memory pressure it may evict the write-behind queue's streams and lose queued writes. Use maxmemory-policy volatile-lru (cache entries have a TTL, the queue has none), or give the cache its own Redis instance.`,
    );
  if (!writeBehind && refusing.length > 0)
    warnings.push(
      `Redis${on(refusing)} has maxmemory-policy noeviction: once maxmemory is reached every cache write is refused (OOM) and the cache stops learning. For a cache use maxmemory-policy allkeys-lru.`,
    );
  return warnings;
}

function on(policies: MemoryPolicy[]): string {
  const nodes = policies.map((p) => p.node).filter((node) => node !== undefined);
  return nodes.length > 0 ? ` (${nodes.join(', ')})` : '';
}
