// The library as users get it, for the HTTP scenario: `npm pack` of this checkout (its prepack
// builds dist/), installed with npm into a scratch directory beside the peers the apps need (at
// the versions this checkout's node_modules holds, so every contender runs the same Nest), and the
// contender app (bench/fixtures/http-contender-app.ts) compiled to JavaScript there with SWC. The
// apps then run on plain `node` of any version, with nothing of lib/ or of a TypeScript loader.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformFileSync } from '@swc/core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What the contender apps import besides the library (peers and the other caches). */
const APP_PACKAGES = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-express',
  '@nestjs/platform-fastify',
  '@nestjs/cache-manager',
  'cache-manager',
  'keyv',
  '@keyv/redis',
  'ioredis',
  'reflect-metadata',
  'rxjs',
];

/** Files compiled into the scratch directory, at the same relative paths (their imports hold). */
const APP_SOURCES = ['bench/fixtures/http-contender-app.ts', 'bench/support/values.ts'];

export interface PackedApp {
  /** The scratch directory (node_modules with the packed library, the compiled app). */
  dir: string;
  /** The compiled contender app's entry. */
  entry: string;
  /** The installed library's version and the tarball it came from. */
  tarball: string;
}

/**
 * Packs this checkout and installs it in `dir` (default: a fixed directory under the system's
 * temporary directory, reused across runs so the peers are installed once).
 */
export function preparePackedApp(
  /** Keep the library installed by the previous run (A/B of the apps only: no pack, no build). */
  reuse = false,
  dir = join(tmpdir(), 'nestjs-redis-cache-bench-http'),
): PackedApp {
  mkdirSync(dir, { recursive: true });
  const peers = Object.fromEntries(APP_PACKAGES.map((name) => [name, installedVersion(name)]));
  const manifest = {
    name: 'nestjs-redis-cache-bench-http',
    private: true,
    type: 'module',
    dependencies: peers,
  };
  const manifestPath = join(dir, 'package.json');
  const previous = safeRead(manifestPath);
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  const npm = (args: string[], cwd = dir) =>
    execFileSync('npm', args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (previous !== readFileSync(manifestPath, 'utf8')) {
    console.log(`installing the apps' peers in ${dir} (once)`);
    npm(['install', '--no-audit', '--no-fund', '--prefer-offline']);
  }
  const previousTarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  let tarball: string;
  if (reuse && previousTarball && existsSync(join(dir, 'node_modules', 'nestjs-redis-cache'))) {
    tarball = join(dir, previousTarball);
    console.log(`--reuse-pack: the library installed from ${tarball} earlier`);
  } else {
    if (previousTarball) rmSync(join(dir, previousTarball), { force: true });
    console.log('packing this checkout (npm pack builds dist/)');
    const output = npm(['pack', '--json', '--pack-destination', dir], ROOT);
    // Lifecycle scripts may print before the JSON: it is the last top-level array.
    const packed = JSON.parse(output.slice(output.lastIndexOf('\n[') + 1)) as {
      filename: string;
    }[];
    tarball = join(dir, packed[0].filename);
    // --no-save: the manifest keeps the peers only, so a changed tarball never dirties it.
    npm(['install', '--no-save', '--no-audit', '--no-fund', '--prefer-offline', tarball]);
  }
  for (const source of APP_SOURCES) {
    const { code } = transformFileSync(join(ROOT, source), {
      swcrc: false,
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: {
          legacyDecorator: true,
          decoratorMetadata: true,
          useDefineForClassFields: false,
        },
        target: 'es2022',
      },
      module: { type: 'es6' },
    });
    const out = join(dir, 'app', source.replace(/^bench\//, '').replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, code);
  }
  return { dir, entry: join(dir, 'app', 'fixtures', 'http-contender-app.js'), tarball };
}

function installedVersion(name: string): string {
  const manifest = JSON.parse(
    readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
  ) as { version: string };
  return manifest.version;
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
