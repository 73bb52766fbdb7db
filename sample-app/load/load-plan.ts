// What `npm run load` is about to do and for how long, printed before it starts: each run (a
// database with the cache on, then off) with its warm-up and measurement, and the total.
import type { LoadOptions } from './load-options.js';

/** Rough seconds this machine's kind takes to seed a catalogue, and to start the shop for a run. */
const SEEDING_S = 8;
const SHOP_START_S = 4;

/** The plan as the lines the command prints first. */
export function planLines(options: LoadOptions): string[] {
  const runs = options.url
    ? [{ name: options.url, cacheOn: true }]
    : options.targets.flatMap((target) => [
        { name: `${target}, cache on`, cacheOn: true },
        { name: `${target}, cache off`, cacheOn: false },
      ]);
  const traffic = runs.length * (options.warmup + options.duration);
  const seedings = new Set(options.targets.map((target) => target.startsWith('postgres'))).size;
  const total = traffic + (options.url ? 0 : seedings * SEEDING_S + runs.length * SHOP_START_S);
  const requestFloor = options.warmupRequests > 0;
  const width = Math.max(...runs.map((run) => run.name.length)) + 1;
  return [
    `Shop load${options.quick ? ' (quick)' : ''}: ${runs.length} run(s), ` +
      `${requestFloor ? 'at least ' : 'about '}${seconds(total)} in all ` +
      `(${seconds(traffic)} of traffic${options.url ? '' : ', the rest seeding and starting the shop'}).`,
    ...runs.map(
      ({ name, cacheOn }) =>
        `  ${`${name}:`.padEnd(width)} ` +
        `${warmupWords(options, cacheOn && requestFloor)}, then measure ${seconds(options.duration)}`,
    ),
    options.url
      ? 'Ctrl-C stops it.'
      : 'Ctrl-C stops it: the shops it started are stopped, their Redis keys and databases removed.',
  ];
}

/** `45 s`, `2 min 40 s`. */
function seconds(total: number): string {
  const minutes = Math.floor(total / 60);
  const rest = total % 60;
  if (minutes === 0) return `${rest} s`;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

/** The warm-up of a run: seconds, and with the cache on a floor of requests. */
function warmupWords({ warmup, warmupRequests }: LoadOptions, requestFloor: boolean): string {
  const requests = `${warmupRequests} requests`;
  if (warmup === 0) return requestFloor ? `warm-up of ${requests}` : 'no warm-up';
  return `warm-up ${seconds(warmup)}${requestFloor ? ` and at least ${requests}` : ''}`;
}
