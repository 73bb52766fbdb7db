// What the HTTP scenarios do to an app of their own process: drive it with autocannon over the
// ids of the value set, and read the CPU the app process spent (Linux /proc).
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { median } from './measure.js';

/** GETs `${path}${id}` over `ids` ids, round robin, from `connections` connections. */
export function load(
  base: string,
  path: string,
  seconds: number,
  connections: number,
  ids: number,
): Promise<autocannon.Result> {
  let next = 0;
  return autocannon({
    url: base,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => ({ ...request, path: `${path}${next++ % ids}` }),
      },
    ],
  });
}

/** User + system CPU seconds of a process so far (Linux /proc), undefined elsewhere. */
export function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state: utime is the 12th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on Linux). */
const CLOCK_TICKS = 100;

export function cpuColumn(samples: (number | undefined)[]): Record<string, number> {
  const known = samples.filter((x): x is number => x !== undefined);
  return known.length === 0 ? {} : { 'app CPU µs/req': Math.round(median(known)) };
}
