// How the write-behind queue is stored. A job is `<header JSON>\n<body>`: the Lua scripts rewrite
// only the small header, never the body (the user's data in rich JSON, so Dates, Maps... reach the
// persister as passed).
import type { Cluster, Redis } from 'ioredis';
import { richJsonParse, richJsonStringify } from '../codec/rich-json.js';
import { WriteBehindSerializationError } from '../errors/errors.js';
import type { ResolvedJobOptions } from '../options/resolved-options.js';

/** Header fields; short names because every job carries them. */
export interface JobHeader {
  /** Writer: a @WriteBehindHandler name or `ClassName.method`. */
  w: string;
  /** 1 when later writes to the key may be merged into this job. */
  c: 0 | 1;
  /** maxAttempts; backoff base and max (ms); delay (ms) for later writes to merge into it. */
  m: number;
  b: number;
  x: number;
  d: number;
  /** Set by Redis: sequence number (grows with every write to the queue), attempts made, first enqueue time (ms), writes merged in. */
  i?: number;
  a?: number;
  e?: number;
  n?: number;
  /** Last error message. */
  r?: string;
}

export type ParsedHeader = Required<Omit<JobHeader, 'r'>> & Pick<JobHeader, 'r'>;

/** What a persister learns about the job it runs (second argument of a @WriteBehindHandler). */
export interface WriteBehindJobInfo {
  /** The cache key the write was made to. */
  key: string;
  /** Grows with every write to the queue: a persister may keep it to refuse out-of-date writes. */
  sequence: number;
  /** 1 for the first call, 2 for the first retry... */
  attempt: number;
  /** How many writes this call stands for (more than 1 when a burst was coalesced). */
  writes: number;
  /** When the oldest write this call stands for was enqueued. */
  enqueuedAt: Date;
  /** True when Redis was unreachable and the write is persisted synchronously, outside the queue. */
  synchronous: boolean;
}

export function jobHeader(w: string, options: ResolvedJobOptions): string {
  const { coalesce, maxAttempts: m, backoff, delayMs: d } = options;
  return JSON.stringify({
    w,
    c: coalesce ? 1 : 0,
    m,
    b: backoff.baseMs,
    x: backoff.maxMs,
    d,
  } satisfies JobHeader);
}

export function serializeBody(data: unknown, key: string, writer: string): string {
  try {
    return richJsonStringify(data);
  } catch (error) {
    throw new WriteBehindSerializationError(key, writer, error);
  }
}

export function parseJob(raw: string): { header: ParsedHeader; body: string } {
  const newline = raw.indexOf('\n');
  return { header: JSON.parse(raw.slice(0, newline)), body: raw.slice(newline + 1) };
}

export const parseBody = richJsonParse;

// A key's jobs always go to one shard (a hash of the key), which keeps them in order. Keys start
// with `ns~wb`: an ACL limited to `~ns~*` runs the queue, no other namespace reaches it ('~' cannot
// be in one), and `clear()` (`ns:*`, `ns#*`) leaves acknowledged writes. The shard's hash tag
// `{ns~N}` lets its scripts run on Cluster; shard 0's keys never change with the shard count.
export interface WriteBehindShard {
  readonly index: number;
  /** Notifications "key K has jobs": one live entry per key with pending jobs. */
  readonly stream: string;
  /** Hash: key -> id of its live notification, or 'delayed' while it waits for a retry. */
  readonly owners: string;
  /** Hash: key -> notification id whose worker is running the key's first job right now. */
  readonly busy: string;
  /** Sorted set: key -> time (ms) its retry is due. */
  readonly delayed: string;
  /** Stream of jobs that failed maxAttempts times. */
  readonly dead: string;
  /** Hash: `depth` (jobs not persisted yet) and `seq` (last job sequence number of the shard). */
  readonly meta: string;
  /** List of the jobs of one key, oldest first. */
  jobs(key: string): string;
}

export function shardKeys(namespace: string, index: number): WriteBehindShard {
  const at = (name: string) => `${namespace}~wb{${namespace}~${index}}:${name}`;
  const [stream, owners, busy, delayed, dead, meta] = 'stream owners busy delayed dead meta'
    .split(' ')
    .map(at);
  return { index, stream, owners, busy, delayed, dead, meta, jobs: (key) => at(`jobs:${key}`) };
}

/** 32-bit FNV-1a over the key's UTF-16 code units: cheap, stable and well spread for short keys. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The consumer group every worker of a namespace reads with. */
export const WRITE_BEHIND_GROUP = 'writers';

export function fieldMap(fields: string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i]] = fields[i + 1];
  return map;
}

/** Stream entries as [id, key]; entries deleted meanwhile (no fields) are skipped. */
export function notificationsOf(entries: [string, string[] | null][]): [string, string][] {
  const result: [string, string][] = [];
  for (const [id, fields] of entries) {
    const key = fields ? fieldMap(fields).k : undefined;
    if (key !== undefined) result.push([id, key]);
  }
  return result;
}

// Each shard has its own dead-letter stream (dead-lettered in the shard's script, so its slot); the
// lists merge by stream id, then shard. `@<shard>` only past shard 0: unsharded ids stay as they were.
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
