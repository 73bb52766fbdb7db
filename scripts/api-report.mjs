// The public API report: what each package entry (., ./cache-manager, ./testing, ./engine) exports, as API
// Extractor prints it from the built declarations (dist/*.d.ts), one file per entry under api/,
// each headed by its count of runtime values and types. A change of the public surface then shows
// in review as a change of these files.
//
//   node scripts/api-report.mjs --check   exits 1 with a diff when the built surface differs
//   node scripts/api-report.mjs --update  rewrites api/*.api.md
//   --package <dir>                       a built or unpacked package, not under a node_modules
//                                         (default: the repository)
//
// Run after `npm run build` (npm run api:check and api:update do both).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { Extractor, ExtractorConfig } = require('@microsoft/api-extractor');
const ts = require('typescript');

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REPORTS = join(ROOT, 'api');
/** The main entry's ceiling of runtime values: a report over it says so in its header. */
const MAIN_VALUES_TARGET = 25;

const ENTRIES = [
  { subpath: '.', file: 'nestjs-redis-cache.api.md' },
  { subpath: './cache-manager', file: 'nestjs-redis-cache-cache-manager.api.md' },
  { subpath: './testing', file: 'nestjs-redis-cache-testing.api.md' },
  { subpath: './engine', file: 'nestjs-redis-cache-engine.api.md' },
];

const args = process.argv.slice(2);
const mode = args.includes('--update') ? 'update' : args.includes('--check') ? 'check' : undefined;
const packageAt = args.includes('--package') ? args[args.indexOf('--package') + 1] : undefined;
if (!mode || (args.includes('--package') && !packageAt)) {
  console.error('usage: node scripts/api-report.mjs --check | --update [--package <dir>]');
  process.exit(2);
}
const packageDir = resolve(packageAt ?? ROOT);
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));

const work = mkdtempSync(join(tmpdir(), 'api-report-'));
const changed = [];
try {
  for (const entry of ENTRIES) {
    const declarations = join(packageDir, manifest.exports[entry.subpath].types);
    if (!existsSync(declarations)) {
      console.error(`${declarations} does not exist: build first (npm run build).`);
      process.exit(2);
    }
    const report = header(entry, declarations) + extract(entry, declarations);
    const checkedIn = join(REPORTS, entry.file);
    const current = existsSync(checkedIn) ? readFileSync(checkedIn, 'utf8') : undefined;
    if (current === report) continue;
    changed.push(entry.file);
    if (mode === 'update') {
      mkdirSync(REPORTS, { recursive: true });
      writeFileSync(checkedIn, report);
      console.log(`api/${entry.file} updated`);
    } else {
      const fresh = join(work, entry.file);
      writeFileSync(fresh, report);
      printDiff(current === undefined ? undefined : checkedIn, fresh, entry);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (mode === 'check' && changed.length > 0) {
  console.error(
    `\nThe public API changed (${changed.map((file) => `api/${file}`).join(', ')}). If that is ` +
      'meant, run `npm run api:update` and commit the reports with the change.',
  );
  process.exit(1);
}
if (changed.length === 0) console.log('api/*.api.md match the built declarations');

/** API Extractor's report of one entry (its own format: the exports as declarations, sorted). */
function extract(entry, declarations) {
  const folder = join(work, entry.file.replace(/\.api\.md$/, ''));
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: packageDir,
      mainEntryPointFilePath: declarations,
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: 'ES2023',
            module: 'nodenext',
            moduleResolution: 'nodenext',
            strict: true,
            experimentalDecorators: true,
            skipLibCheck: true,
            types: ['node'],
          },
          files: [declarations],
        },
      },
      apiReport: {
        enabled: true,
        reportFileName: entry.file,
        reportFolder: folder,
        reportTempFolder: join(folder, 'temp'),
      },
      newlineKind: 'lf',
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        // Whatever API Extractor notices goes into the report (and so into review), not the console.
        compilerMessageReporting: { default: { logLevel: 'warning' } },
        extractorMessageReporting: {
          default: { logLevel: 'warning', addToApiReportFile: true },
          // No release tags here: every export of an entry is public.
          'ae-missing-release-tag': { logLevel: 'none' },
          // The report marks these "(undocumented)" already.
          'ae-undocumented': { logLevel: 'none' },
        },
        tsdocMessageReporting: { default: { logLevel: 'none' } },
      },
    },
    configObjectFullPath: join(packageDir, 'api-extractor.json'),
    packageJsonFullPath: join(packageDir, 'package.json'),
  });
  const result = Extractor.invoke(config, {
    localBuild: true,
    messageCallback: (message) => {
      if (message.logLevel === 'warning' || message.logLevel === 'info') message.handled = true;
    },
  });
  if (!result.succeeded) {
    console.error(`API Extractor failed on ${declarations}`);
    process.exit(2);
  }
  const text = readFileSync(join(folder, entry.file), 'utf8');
  // API Extractor names the package; the entry is ours to name.
  return text.replace(/^## API Report File for "[^"]*"\n+/, '');
}

/** The entry's name and its counts: runtime values (classes, functions, constants) and types. */
function header(entry, declarations) {
  const name = entry.subpath === '.' ? manifest.name : `${manifest.name}/${entry.subpath.slice(2)}`;
  const program = ts.createProgram([declarations], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(declarations));
  let values = 0;
  let types = 0;
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol =
      exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (symbol.flags & ts.SymbolFlags.Value) values++;
    else types++;
  }
  const target =
    entry.subpath === '.'
      ? ` (target: at most ${MAIN_VALUES_TARGET}${values > MAIN_VALUES_TARGET ? `, ${values - MAIN_VALUES_TARGET} over` : ''})`
      : '';
  return (
    `## API Report File for "${name}"\n\n` +
    `Exports: ${values} runtime values${target}, ${types} types only.\n\n`
  );
}

/** A unified diff of the checked-in report against the built one (git's, which every clone has). */
function printDiff(checkedIn, fresh, entry) {
  if (checkedIn === undefined) {
    console.error(`api/${entry.file} is missing (a new entry?): npm run api:update writes it.`);
    return;
  }
  const diff = spawnSync('git', ['diff', '--no-index', '--no-color', '--', checkedIn, fresh], {
    encoding: 'utf8',
  });
  if (diff.error) console.error(`api/${entry.file} differs from the built declarations.`);
  else
    console.error(
      diff.stdout
        .replaceAll(`a${checkedIn}`, `a/api/${entry.file}`)
        .replaceAll(`b${fresh}`, `b/api/${entry.file} (built)`),
    );
}
