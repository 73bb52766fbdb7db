// Reading the dead letters of every shard as one list, oldest first. Each shard has its own
// dead-letter stream (a job is dead-lettered in the same script, so on the same slot, as its
// shard); the lists are merged by stream id, ties broken by shard. A letter's public id is its
// stream id, with `@<shard>` appended past shard 0 (so ids of an unsharded queue stay as they were).
import type { Cluster, Redis } from 'ioredis';
import { fieldMap, parseBody, type JobHeader, type WriteBehindShard } from './write-behind-job.js';

/** A job that failed `maxAttempts` times, as listed by `cache.writeBehindQueue.deadLetters()`. */
export interface DeadLetter {
  /** Id in its shard's dead-letter stream (`<stream id>@<shard>` past shard 0): pass it to `retry(id)` or `purge(id)`. */
  id: string;
  key: string;
  /** The writer that failed: a @WriteBehindHandler name or `ClassName.method`. */
  writer: string;
  /** What the persister was called with: the value (handlers) or the argument list (@WriteBehind methods). */
  data: unknown;
  /** Message of the last error. */
  error: string;
  attempts: number;
  sequence: number;
  enqueuedAt: Date;
  failedAt: Date;
}

export function parseDeadLetterId(id: string): { streamId: string; shard: number } {
  const at = id.indexOf('@');
  return at < 0
    ? { streamId: id, shard: 0 }
    : { streamId: id.slice(0, at), shard: Number(id.slice(at + 1)) };
}

export async function listDeadLetters(
  client: Redis | Cluster,
  shards: readonly WriteBehindShard[],
  options: { count?: number; after?: string },
): Promise<DeadLetter[]> {
  const count = options.count ?? 100;
  const after = options.after === undefined ? undefined : parseDeadLetterId(options.after);
  const perShard = await Promise.all(
    shards.map(async (shard) => {
      // After the cursor: later stream ids, or the same id in a later shard.
      const start =
        after === undefined
          ? '-'
          : shard.index > after.shard
            ? after.streamId
            : `(${after.streamId}`;
      const entries = (await client.xrange(shard.dead, start, '+', 'COUNT', count)) as [
        string,
        string[],
      ][];
      return entries.map(([streamId, fields]) => ({ streamId, shard: shard.index, fields }));
    }),
  );
  return perShard
    .flat()
    .sort((a, b) => compareStreamIds(a.streamId, b.streamId) || a.shard - b.shard)
    .slice(0, count)
    .map(({ streamId, shard, fields }) => deadLetterOf(streamId, shard, fieldMap(fields)));
}

function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

function deadLetterOf(streamId: string, shard: number, fields: Record<string, string>): DeadLetter {
  const header = JSON.parse(fields.h) as Required<JobHeader>;
  let data: unknown;
  try {
    data = parseBody(fields.d);
  } catch {
    data = fields.d; // unreadable body: show it raw rather than hide the dead letter
  }
  return {
    id: shard === 0 ? streamId : `${streamId}@${shard}`,
    key: fields.k,
    writer: header.w,
    data,
    error: fields.err,
    attempts: header.a,
    sequence: header.i,
    enqueuedAt: new Date(header.e),
    // The dead-letter stream's own time, so that the list's order (oldest first) and failedAt agree
    // across shards on different nodes.
    failedAt: new Date(Number(streamId.split('-')[0])),
  };
}
