// What counting one hit costs, alone: the lookup's counter announcing a hit to the built-in stats
// (CacheStats, StampedeCounters), with and without a public `cache:hit` listener.
// Usage: node --import @swc-node/register/esm-register bench/profile/hit-count-micro.ts [--lib=DIR]
// (--lib: another checkout's lib/ folder, to A/B two versions in one process)
import 'reflect-metadata';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const libArgs = process.argv.filter((a) => a.startsWith('--lib=')).map((a) => a.slice(6));
const libs = libArgs.length > 0 ? libArgs : [new URL('../../lib/', import.meta.url).pathname];
const HITS = 5_000_000;
const ROUNDS = 7;

async function counterOf(lib: string, publicListener: boolean) {
  const url = (path: string) => pathToFileURL(resolve(lib, path)).href;
  const { CacheEvents } = await import(url('events/cache-event-bus.ts'));
  const { CacheStats } = await import(url('metrics/cache-stats.ts'));
  const { StampedeCounters } = await import(url('metrics/stampede-counters.ts'));
  const { LookupCounter } = await import(url('lookup/lookup-counter.ts'));
  const events = new CacheEvents();
  const stats = new CacheStats(events);
  new StampedeCounters(events);
  let seen = 0;
  if (publicListener) events.on('cache:hit', () => seen++);
  return { counter: new LookupCounter(events), stats, seen: () => seen };
}

for (const publicListener of [false, true]) {
  const contenders = await Promise.all(libs.map((lib) => counterOf(lib, publicListener)));
  const ns: number[][] = contenders.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    contenders.forEach(({ counter }, i) => {
      const start = process.hrtime.bigint();
      for (let n = 0; n < HITS; n++) counter.hit('k', n & 1 ? 'A.m' : undefined, 'l1');
      ns[i].push(Number(process.hrtime.bigint() - start) / HITS);
    });
  }
  contenders.forEach(({ stats, seen }, i) => {
    const sorted = [...ns[i]].sort((a, b) => a - b);
    const hits = stats.snapshot({}).hits;
    console.log(
      `${libs[i]} listener=${publicListener}: median ${sorted[ROUNDS >> 1].toFixed(1)} ns/hit, ` +
        `best ${sorted[0].toFixed(1)} (stats counted ${hits}, listener saw ${seen()})`,
    );
  });
}
