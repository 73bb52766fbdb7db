// How the write-behind queue is stored. A job is `<header JSON>\n<body>`: the Lua scripts rewrite
// only the small header, never the body (the user's data in rich JSON, so Dates, Maps... reach the
// persister as passed). Every state change is one script on one shard, so a crash between two
// commands cannot lose or duplicate a job.
import { richJsonStringify } from '../codec/rich-json.js';
import { WriteBehindSerializationError } from '../errors/errors.js';
import { LuaScript } from '../redis/lua-script.js';
import type { ResolvedJobOptions } from '../options/resolved-options.js';

export const scripts = {
  enqueue: LuaScript.load('write-behind-enqueue'),
  begin: LuaScript.load('write-behind-begin'),
  settle: LuaScript.load('write-behind-settle'),
  promote: LuaScript.load('write-behind-promote'),
  heartbeat: LuaScript.load('write-behind-heartbeat'),
  redeliver: LuaScript.load('write-behind-redeliver'),
};

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

// A key's jobs always go to one shard (a hash of the key), which keeps them in order. Keys start
// with `ns~wb`: an ACL limited to `~ns~*` runs the queue, no other namespace reaches it ('~' cannot
// be in one), and `clear()` (`ns:*`, `ns#*`) leaves acknowledged writes. The shard's hash tag
// `{ns~N}` lets its scripts run on Cluster; shard 0's keys never change with the shard count.
export function shardKeys(namespace: string, index: number) {
  const at = (name: string) => `${namespace}~wb{${namespace}~${index}}:${name}`;
  return {
    index,
    /** Notifications "key K has jobs": one live entry per key with pending jobs. */
    stream: at('stream'),
    /** Hash: key -> id of its live notification, or 'delayed' while it waits for a retry. */
    owners: at('owners'),
    /** Hash: key -> notification id whose worker is running the key's first job right now. */
    busy: at('busy'),
    /** Sorted set: key -> time (ms) its retry is due. */
    delayed: at('delayed'),
    /** Stream of jobs that failed maxAttempts times. */
    dead: at('dead'),
    /** Hash: `depth` (jobs not persisted yet) and `seq` (last job sequence number of the shard). */
    meta: at('meta'),
    /** List of the jobs of one key, oldest first. */
    jobs: (key: string) => at(`jobs:${key}`),
  };
}

export type WriteBehindShard = ReturnType<typeof shardKeys>;

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
  return entries.flatMap(([id, fields]) => {
    const key = fields ? fieldMap(fields).k : undefined;
    return key === undefined ? [] : [[id, key] as [string, string]];
  });
}
