// Keeps only the public types in dist/: the .d.ts files reachable from the package's entries
// (dist/index.d.ts, the cache-manager drop-in's dist/compat/index.d.ts, the testing helpers'
// dist/testing/index.d.ts and the engine's dist/engine/index.d.ts). tsc emits a .d.ts per module
// and `stripInternal` removes the @internal members; the declarations of internal modules would
// still ship, naming internals, so they go.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const DIST = 'dist';
const reachable = new Set();
const pending = ['index.d.ts', 'compat/index.d.ts', 'testing/index.d.ts', 'engine/index.d.ts'].map((entry) =>
  resolve(DIST, entry),
);
while (pending.length > 0) {
  const file = pending.pop();
  if (reachable.has(file)) continue;
  reachable.add(file);
  const text = readFileSync(file, 'utf8');
  for (const [, specifier] of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)\.js'/g)) {
    const target = resolve(dirname(file), `${specifier}.d.ts`);
    if (existsSync(target)) pending.push(target);
  }
}

function prune(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = resolve(dir, entry.name);
    if (entry.isDirectory()) prune(path);
    else if (entry.name.endsWith('.d.ts') && !reachable.has(path)) {
      rmSync(path);
      rmSync(`${path}.map`, { force: true });
    }
  }
}
prune(join(DIST));
