// Summarizes a .cpuprofile written by `node --cpu-prof`: self time by function and by package,
// to see what the hit path spends its time on. Usage: node ... bench/profile/cpuprofile-top.ts FILE [N]
// [--skip-ms=2000]: samples of the first 2 s left out (module loading, filling, warm-up).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

/** This checkout's root as a file URL: lib/ paths are shown relative to it. */
const ROOT_URL = new URL('../../', import.meta.url).href;
const args = process.argv.slice(2);
const file = args.find((a) => a.endsWith('.cpuprofile'));
if (!file) throw new Error('usage: cpuprofile-top.ts FILE.cpuprofile [N]');
const limitArg = args.find((a) => /^\d+$/.test(a));
const profile = JSON.parse(readFileSync(file, 'utf8')) as {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
};
const limit = Number(limitArg ?? 25);
const skipMs = Number(args.find((a) => a.startsWith('--skip-ms='))?.split('=')[1] ?? 0);
if (skipMs > 0 && profile.samples && profile.timeDeltas) {
  // hitCount covers the whole run: count again from the samples taken after the skipped start.
  const hits = new Map<number, number>();
  let elapsedUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    elapsedUs += profile.timeDeltas[i];
    if (elapsedUs < skipMs * 1000) continue;
    hits.set(profile.samples[i], (hits.get(profile.samples[i]) ?? 0) + 1);
  }
  for (const node of profile.nodes) node.hitCount = hits.get(node.id) ?? 0;
}
const total = profile.nodes.reduce((sum, n) => sum + n.hitCount, 0);

const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const node of profile.nodes) {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(ROOT_URL, '');
  const fn = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + node.hitCount);
  byPackage.set(
    packageOf(url, functionName),
    (byPackage.get(packageOf(url, functionName)) ?? 0) + node.hitCount,
  );
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (modules) return modules[1];
  if (url.startsWith('node:'))
    return url.split('/')[0].replace(/^node:internal.*/, 'node:internal');
  const local = url.startsWith(ROOT_URL) ? url.slice(ROOT_URL.length).match(/^[^/]+\/[^/]+/) : null;
  return local ? local[0] : url;
}

const show = (title: string, entries: Map<string, number>) => {
  console.log(`\n${title} (of ${total} samples)`);
  for (const [name, hits] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, limit))
    console.log(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
};
show('Self time by package', byPackage);
show('Self time by function', byFunction);
