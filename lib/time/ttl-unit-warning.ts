// A numeric TTL is seconds; `ttl: 60000` (cache-manager's "one minute") would then keep an entry
// for 16.7 hours without a word. A number of seconds that is a whole multiple of 1000 (from 1000
// up to a year's worth of milliseconds) is most likely milliseconds: it gets one warning per call site (the first line of user code
// on the stack, else the option's name, e.g. a decorator's `@Cacheable(Class.method).ttl`). Such a
// TTL still applies as written; a duration string ('60000s') says it is meant and stays silent.
// A process warning (code REDIS_CACHE_TTL_UNIT), not a log line: the TTL is parsed where no app
// logger exists yet (decorators at import time), and a warning can be filtered by its code.
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIBRARY_DIR = dirname(dirname(fileURLToPath(import.meta.url))) + sep;
const warnedSites = new Set<string>();
/** Bounds the memory a program with many distinct call sites can spend on this. */
const MAX_SITES = 1_000;

/** A year in milliseconds: above it, a number is no plausible millisecond TTL either. */
const YEAR_MS = 365 * 86_400_000;

export function warnIfMillisecondsLike(value: number, option: string): void {
  // The TTLs this rule flags: a multiple of 1000 from 1000 up to a year's milliseconds.
  const flagged = value >= 1_000 && value <= YEAR_MS && value % 1_000 === 0;
  if (!flagged || warnedSites.size >= MAX_SITES) return;
  const site = callSite() ?? option;
  if (warnedSites.has(site)) return;
  warnedSites.add(site);
  const seconds = value / 1_000;
  process.emitWarning(
    `nestjs-redis-cache: option "${option}" is ${value}, read as seconds (${humanize(value)})` +
      `${site === option ? '' : ` at ${site}`}. TTLs here are seconds, not milliseconds: for ` +
      `${humanize(seconds)} write seconds(${seconds}) or '${seconds}s'; to keep ${humanize(value)}, ` +
      `write '${value}s' (which this check leaves alone).`,
    { code: 'REDIS_CACHE_TTL_UNIT' },
  );
}

/** The first stack frame outside this library, Nest and Node's internals: where the TTL was written. */
function callSite(): string | undefined {
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  for (const frame of stack) {
    const location = /\(?((?:file:\/\/)?\/[^()]+:\d+:\d+)\)?\s*$/.exec(frame)?.[1];
    if (!location) continue;
    const path = location.startsWith('file://')
      ? fileURLToPath(location.replace(/:\d+:\d+$/, ''))
      : location;
    if (path.startsWith(LIBRARY_DIR) || path.includes(`${sep}node_modules${sep}`)) continue;
    return location.replace(/^file:\/\//, '');
  }
  return undefined;
}

const UNIT_SECONDS = { day: 86_400, hour: 3_600, minute: 60, second: 1 };

/** `16.7 hours`, `1 minute`: in the largest unit it reaches, to one decimal. */
function humanize(seconds: number): string {
  const [unit, size] = Object.entries(UNIT_SECONDS).find(([, size]) => seconds >= size)!;
  const n = Math.round((seconds / size) * 10) / 10;
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
