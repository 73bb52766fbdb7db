// What counting one hit costs, alone: the lookup's counter announcing a hit to the built-in stats
// (CacheStats, StampedeCounters, and the sampled hot keys when that version has them), with and
// without a public `cache:hit` listener. Keys vary (64 of them), as a real read mix does.
// Usage: node --import @swc-node/register/esm-register bench/profile/hit-count-micro.ts [--lib=DIR]
// (--lib: another checkout's lib/ folder). A/B two versions in separate processes, alternating:
// in one process they would share this loop's call site, and the second would run polymorphic.
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const lib = process.argv.find((a) => a.startsWith('--lib='))?.slice('--lib='.length) ?? 'lib';
const HITS = 5_000_000;
const ROUNDS = 7;
const KEYS = Array.from({ length: 64 }, (_, i) => `product:${i}`);

async function counterOf(publicListener: boolean) {
  const url = (path: string) => pathToFileURL(resolve(lib, path)).href;
  const { CacheEvents } = await import(url('events/cache-event-bus.ts'));
  const { CacheStats } = await import(url('metrics/cache-stats.ts'));
  const { StampedeCounters } = await import(url('metrics/stampede-counters.ts'));
  const { LookupCounter } = await import(url('lookup/lookup-counter.ts'));
  const events = new CacheEvents();
  const stats = new CacheStats(events);
  new StampedeCounters(events);
  if (existsSync(resolve(lib, 'metrics/hot-keys.ts'))) {
    const { HotKeys } = await import(url('metrics/hot-keys.ts'));
    new HotKeys(events);
  }
  let seen = 0;
  if (publicListener) events.on('cache:hit', () => seen++);
  return { counter: new LookupCounter(events), stats, seen: () => seen };
}

for (const publicListener of [false, true]) {
  const { counter, stats, seen } = await counterOf(publicListener);
  const ns: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (let n = 0; n < HITS; n++) counter.hit(KEYS[n & 63], n & 1 ? 'A.m' : undefined, 'l1');
    ns.push(Number(process.hrtime.bigint() - start) / HITS);
  }
  ns.sort((a, b) => a - b);
  console.log(
    `${resolve(lib)} listener=${publicListener}: median ${ns[ROUNDS >> 1].toFixed(1)} ns/hit, ` +
      `best ${ns[0].toFixed(1)} (stats counted ${stats.snapshot({}).hits}, listener saw ${seen()})`,
  );
}
