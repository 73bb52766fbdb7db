// The shape of a queued job. A job is stored as `<header JSON>\n<body>`: the Lua scripts read and
// rewrite only the small header (attempts, merge count, writer), never the body, which is the
// user's data (the value, or a decorated method's arguments) in the library's rich JSON, so Dates,
// BigInts, Maps... reach the persister as they were passed.
import { richJsonParse, richJsonStringify } from '../codec/rich-json.js';
import { WriteBehindSerializationError } from '../errors/write-behind.error.js';
import type { ResolvedJobOptions } from '../options/resolved-options.js';

/** Header fields; short names because every job carries them. */
export interface JobHeader {
  /** Writer: a @WriteBehindHandler name or `ClassName.method`. */
  w: string;
  /** 1 when later writes to the key may be merged into this job. */
  c: 0 | 1;
  /** maxAttempts. */
  m: number;
  /** Backoff base and max, ms. */
  b: number;
  x: number;
  /** Delay (ms) before the job is persisted, for later writes to merge into it. */
  d: number;
  /** Set by Redis: sequence number (grows with every write to the queue), attempts made, first enqueue time (ms), writes merged in. */
  i?: number;
  a?: number;
  e?: number;
  n?: number;
  /** Last error message. */
  r?: string;
}

export interface ParsedJob {
  header: Required<Omit<JobHeader, 'r'>> & Pick<JobHeader, 'r'>;
  body: string;
}

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

export function jobHeader(writer: string, options: ResolvedJobOptions): string {
  const header: JobHeader = {
    w: writer,
    c: options.coalesce ? 1 : 0,
    m: options.maxAttempts,
    b: options.backoff.baseMs,
    x: options.backoff.maxMs,
    d: options.delayMs,
  };
  return JSON.stringify(header);
}

export function serializeBody(data: unknown, key: string, writer: string): string {
  try {
    return richJsonStringify(data);
  } catch (error) {
    throw new WriteBehindSerializationError(key, writer, error);
  }
}

export function parseJob(raw: string): ParsedJob {
  const newline = raw.indexOf('\n');
  const header = JSON.parse(raw.slice(0, newline)) as ParsedJob['header'];
  return { header, body: raw.slice(newline + 1) };
}

export function parseBody(body: string): unknown {
  return richJsonParse(body);
}
