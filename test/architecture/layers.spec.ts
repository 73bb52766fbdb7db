// The folder layering of lib/ (docs/architecture.md#layering): a folder imports only folders
// below it. An upward import fails here, named by file and folder.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const LIB = fileURLToPath(new URL('../../lib/', import.meta.url));

/** Top to bottom; folders in one group do not import each other. */
const LAYERS: readonly (readonly string[])[] = [
  ['compat', 'testing'], // testing/: the nestjs-redis-cache/testing entry's helpers
  ['module'],
  ['http'],
  ['decorators'],
  // ----- the Nest layer above, the engine (no @nestjs import) from here down
  ['engine'], // builds every part of one cache from resolved options, a logger and a clock
  ['service'], // the facade: reads and writes below it, stats() and metrics() from metrics/
  ['metrics'],
  ['write'],
  ['lookup'], // the read path
  ['stampede'], // what the read path protects the origin with: the lock, freshness, XFetch
  ['l1', 'tiers'], // tiers/ holds the L1
  ['tags'],
  ['redis'],
  ['codec', 'keys'],
  ['events'],
  ['options'],
  ['time'],
  ['errors'],
];

const rank = new Map(LAYERS.flatMap((group, i) => group.map((folder) => [folder, i] as const)));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function upwardImports(): string[] {
  const found = new Set<string>();
  for (const file of sources(LIB)) {
    const path = relative(LIB, file).split('\\').join('/');
    const folder = path.split('/')[0];
    if (!path.includes('/')) continue; // lib/index.ts, the public entry, may import anything
    const text = readFileSync(file, 'utf8');
    for (const [, target] of text.matchAll(/from '\.\.\/([\w-]+)\//g)) {
      if (target === folder) continue;
      if (!rank.has(folder) || !rank.has(target)) {
        found.add(`${path} -> ${target} (a folder the layering does not place yet)`);
        continue;
      }
      if (rank.get(target)! <= rank.get(folder)!) found.add(`${path} -> ${target}`);
    }
  }
  return [...found].sort();
}

it('every folder of lib/ has its place in the layering', () => {
  const folders = readdirSync(LIB, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  expect(folders.filter((folder) => !rank.has(folder))).toEqual([]);
});

it('no folder imports one above it (or beside it)', () => {
  expect(upwardImports()).toEqual([]);
});

it('the engine and everything under it import nothing from Nest', () => {
  const engineRank = rank.get('engine')!;
  const nestImports = sources(LIB).flatMap((file) => {
    const path = relative(LIB, file).split('\\').join('/');
    const folderRank = rank.get(path.split('/')[0]);
    if (folderRank === undefined || folderRank < engineRank) return [];
    return /from '@nestjs\//.test(readFileSync(file, 'utf8')) ? [path] : [];
  });
  expect(nestImports).toEqual([]);
});
