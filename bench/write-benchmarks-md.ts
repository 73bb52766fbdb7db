// Writes BENCHMARKS.md at the repository root from one results file of a full run:
//   node --import @swc-node/register/esm-register bench/write-benchmarks-md.ts bench/results/<file>.json
// `--also=<file>.json` (repeatable) adds the tables of a separate partial run (`--only=...`, e.g. on
// another Node version) right after the full run's tables of the same scenario, with the findings
// of that run from <file>.notes.md when it exists; a scenario the full run does not have (e.g.
// 'admission') gets its tables after all of the full run's, with that run's targets.
// The machine description is taken from the run itself (recorded in the JSON) and from the
// commands the file names, run now on the same machine.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeTarget, markdownTable, type Table, type TargetCheck } from './support/report.js';

interface Run {
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  machine: Record<string, string | number>;
  versions: Record<string, string>;
  tables: Table[];
  targets: TargetCheck[];
  unavailable: { scenario: string; reason: string }[];
}

const file = process.argv.slice(2).find((a) => a.endsWith('.json') && !a.startsWith('--'));
if (!file) throw new Error('usage: write-benchmarks-md.ts bench/results/<file>.json');
const run = JSON.parse(readFileSync(file, 'utf8')) as Run;
const sh = (command: string) => execSync(command, { encoding: 'utf8' }).trim();
const notes = process.argv.slice(2).find((a) => a.startsWith('--notes='));
const extra = notes ? readFileSync(notes.slice('--notes='.length), 'utf8').trim() : '';

const alsoFiles = process.argv
  .slice(2)
  .filter((a) => a.startsWith('--also='))
  .map((a) => a.slice('--also='.length));
const alsoRuns = alsoFiles.map((f) => ({
  file: f,
  run: JSON.parse(readFileSync(f, 'utf8')) as Run & { command?: string },
}));
const resultsPath = (f: string) => f.replace(/^.*bench\//, 'bench/');

const minutes = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 60_000;
const lines: string[] = [
  '# Benchmarks',
  '',
  'This library against what users would pick instead, in one run, as ratios: the machine is',
  'shared and noisy, so absolute numbers drift between runs while ratios taken in the same run',
  "hold. `lib/this` is this library's ops/s divided by the row's (≥ 1: the library is faster).",
  '',
  '## How this was run',
  '',
  '```sh',
  'npm install',
  'npm run bench        # full run (this file); bentocache is installed into bench/peers/bentocache on first use',
  'npm run bench:quick  # same scenarios, small counts: a smoke test of the harness (< 60 s)',
  '```',
  '',
  `Run started ${run.startedAt}, took ${minutes.toFixed(1)} min; results in \`${resultsPath(file)}\`.`,
  '',
  '## Machine',
  '',
  '```',
  `$ nproc\n${sh('nproc')}`,
  `$ free -h\n${sh('free -h')}`,
  `$ node --version\n${sh('node --version')}`,
  `$ redis-server --version\n${sh('redis-server --version')}`,
  `load average at the start of the run: ${run.machine.load}`,
  '```',
  '',
  `CPU: ${run.machine.cpuModel}. Versions: ${Object.entries(run.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')}, bentocache 1.6.1 (own ioredis 5 under bench/peers/bentocache).`,
  '',
];
if (extra) lines.push(extra, '');
lines.push('## Targets of the issue, as measured in this run', '');
for (const target of run.targets) lines.push(`- ${describeTarget(target)}`);
lines.push('');
if (run.unavailable.length > 0) {
  lines.push('## Not available yet', '');
  for (const u of run.unavailable) lines.push(`- ${u.scenario}: ${u.reason}`);
  lines.push('');
}
lines.push('## Results', '');
function pushTable(table: Table, title = table.title): void {
  lines.push(`### ${title}`, '', markdownTable(table), '');
  for (const note of table.notes) lines.push(`Note: ${note}`, '');
}
run.tables.forEach((table, i) => {
  pushTable(table);
  const lastOfScenario = run.tables[i + 1]?.scenario !== table.scenario;
  if (!lastOfScenario) return;
  for (const also of alsoRuns) {
    const { machine } = also.run;
    const extras = also.run.tables.filter((t) => t.scenario === table.scenario);
    for (const extra of extras) {
      pushTable(extra, `${extra.title}, Node ${String(machine.node).slice(1)}`);
      lines.push(
        `Note: a separate run on Node ${machine.node}, same machine (${machine.cpus} vCPU ${machine.cpuModel}), started ${also.run.startedAt}, load average when it ended ${machine.load}; each contender's app in its own process, as above; results in \`${resultsPath(also.file)}\``,
        '',
      );
    }
    // Findings of that run, when written down next to its results (<file>.notes.md).
    const alsoNotes = also.file.replace(/\.json$/, '.notes.md');
    const lastOfAlso = extras.length > 0 && extras.at(-1) === also.run.tables.at(-1);
    if (lastOfAlso && existsSync(alsoNotes)) lines.push(readFileSync(alsoNotes, 'utf8').trim(), '');
  }
});
for (const also of alsoRuns) {
  const own = also.run.tables.filter((t) => !run.tables.some((m) => m.scenario === t.scenario));
  if (own.length === 0) continue;
  for (const table of own) pushTable(table);
  const { machine } = also.run;
  lines.push(
    `Note: a separate run on Node ${machine.node}, same machine (${machine.cpus} vCPU ${machine.cpuModel}), started ${also.run.startedAt}, load average when it ended ${machine.load}; results in \`${resultsPath(also.file)}\``,
    '',
  );
  // Its targets, when the run had only these scenarios (targets do not name their scenario).
  if (own.length === also.run.tables.length) {
    for (const t of also.run.targets) lines.push(`- ${describeTarget(t)}`);
    lines.push('');
  }
  const alsoNotes = also.file.replace(/\.json$/, '.notes.md');
  if (existsSync(alsoNotes)) lines.push(readFileSync(alsoNotes, 'utf8').trim(), '');
}
const target = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
writeFileSync(target, `${lines.join('\n').trimEnd()}\n`);
console.log(`wrote ${target}`);
