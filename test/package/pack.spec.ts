// The published package: `npm pack` (which builds through prepack) yields a tarball that a plain
// ESM Nest app installs and imports as 'nestjs-redis-cache', with working JS and .d.ts files.
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  copyFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedRedisUrl, uniqueNamespace } from '../support/cache-app.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PEERS = ['@nestjs/common', '@nestjs/core', 'ioredis', 'reflect-metadata', 'rxjs'];

interface PackResult {
  filename: string;
  files: { path: string }[];
}

let work: string;
let packed: PackResult;
let installed: string;
let appDir: string;

function listLuaSources(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listLuaSources(path));
    else if (entry.name.endsWith('.lua')) found.push(relative(join(ROOT, 'lib'), path));
  }
  return found;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'nestjs-redis-cache-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  // npm prints the build's output before the JSON array.
  packed = (JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as PackResult[])[0];

  appDir = join(work, 'app');
  const modules = join(appDir, 'node_modules');
  installed = join(modules, 'nestjs-redis-cache');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', join(work, packed.filename), '-C', installed, '--strip-components=1']);
  // Everything else the app needs comes from the repository's node_modules, as an install would.
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name.startsWith('.') || name === 'nestjs-redis-cache') continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  writeFileSync(
    join(appDir, 'package.json'),
    JSON.stringify({ name: 'consumer', type: 'module', private: true }),
  );
  copyFileSync(join(ROOT, 'test/package/fixtures/consumer-app.mjs'), join(appDir, 'main.mjs'));
  copyFileSync(join(ROOT, 'test/package/fixtures/consumer-types.ts'), join(appDir, 'types.ts'));
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the build output and the Lua scripts, and no sources or tests', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toContain('package.json');
    expect(paths).toContain('dist/index.js');
    expect(paths).toContain('dist/index.d.ts');
    const lua = listLuaSources(join(ROOT, 'lib'));
    expect(lua.length).toBeGreaterThan(0);
    for (const script of lua) expect(paths).toContain(`dist/${script}`);
    expect(paths.filter((path) => /^(lib|test|sample-app|bench|scripts)\//.test(path))).toEqual([]);
    expect(paths.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
    expect(paths.filter((path) => path.endsWith('.spec.js'))).toEqual([]);
  });

  it('has exports pointing to files that exist, ESM and types, with the peer dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('nestjs-redis-cache');
    expect(manifest.type).toBe('module');
    const root = manifest.exports['.'];
    expect(root.import).toBeDefined();
    expect(root.types).toBeDefined();
    const targets = [root.import, root.types, root.default, manifest.main, manifest.types].filter(
      (target): target is string => typeof target === 'string',
    );
    for (const target of targets) expect(existsSync(join(installed, target)), target).toBe(true);
    for (const peer of PEERS) expect(Object.keys(manifest.peerDependencies)).toContain(peer);
    for (const peer of PEERS) expect(Object.keys(manifest.dependencies ?? {})).not.toContain(peer);
    expect(manifest.engines.node).toMatch(/>=\s*20/);
  });
});

describe('the published types', () => {
  it('name no internals: lookup(), resolved options and the like are stripped', () => {
    const declarations = packed.files
      .map((file) => file.path)
      .filter((path) => path.endsWith('.d.ts'));
    expect(declarations).toContain('dist/index.d.ts');
    // Only the declarations the entry reaches ship (scripts/prune-types.mjs).
    expect(declarations).not.toContain('dist/stampede/resilient-lookup.d.ts');
    expect(declarations).not.toContain('dist/decorators/cached-method-plan.d.ts');
    for (const path of declarations) {
      const text = readFileSync(join(installed, path), 'utf8');
      expect(text, path).not.toMatch(
        /\blookup<|ResolvedGetOrSet|LookupContext|metricFamilies|CacheDeserializationError/,
      );
    }
  });

  it('type-check on their own, without skipLibCheck', async () => {
    writeFileSync(
      join(appDir, 'tsconfig.strict-lib.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          experimentalDecorators: true,
          types: ['node'],
        },
        files: ['node_modules/nestjs-redis-cache/dist/index.d.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.strict-lib.json'], {
      cwd: appDir,
    }).catch((error: { stdout?: string; stderr?: string }) => error);
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    // Errors inside dependencies' own declarations are theirs; ours must have none.
    expect(output.split('\n').filter((line) => line.includes('nestjs-redis-cache/'))).toEqual([]);
  }, 120_000);
});

describe('installed into a plain ESM Nest app', () => {
  it('imports RedisCacheModule and RedisCacheService from the package and caches on Redis', async () => {
    const { stdout } = await run(process.execPath, ['main.mjs'], {
      cwd: appDir,
      env: { ...process.env, REDIS_URL: sharedRedisUrl(), NAMESPACE: uniqueNamespace('pack') },
      timeout: 20_000,
    });
    const report = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(report).toEqual({
      greeting: { text: 'hello', at: new Date(1).toISOString(), big: '5' },
      product: { id: 42, loadedAtIsDate: true },
      afterInvalidation: 'miss',
      ttl: 300_000,
    });
  });

  it('type-checks a TypeScript consumer against the shipped .d.ts files', async () => {
    writeFileSync(
      join(appDir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          experimentalDecorators: true,
          types: [],
        },
        files: ['types.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: appDir }).catch(
      (error: { stdout?: string; stderr?: string }) => error,
    );
    expect(`${result.stdout ?? ''}${result.stderr ?? ''}`).toBe('');
  });
});
