// The published package: `npm pack` (which builds through prepack) yields a tarball that a plain
// ESM Nest app imports and a CommonJS Nest app requires, as 'nestjs-redis-cache',
// 'nestjs-redis-cache/cache-manager' and 'nestjs-redis-cache/testing', with working JS and .d.ts
// files, whose public surface is the checked-in API report's (api/*.api.md).
import { execFile, spawn } from 'node:child_process';
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
import { join, posix, relative } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedRedisUrl, uniqueNamespace } from '../support/cache-app.js';
import { expectQuickStartCaches, quickStartSnippet } from '../support/quick-start.js';
import { freePort, RedisServer } from '../support/redis-server.js';

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
let cjsAppDir: string;

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

  appDir = await installInto(join(work, 'app'), 'module');
  installed = join(appDir, 'node_modules', 'nestjs-redis-cache');
  copyFileSync(join(ROOT, 'test/package/fixtures/consumer-app.mjs'), join(appDir, 'main.mjs'));
  copyFileSync(join(ROOT, 'test/package/fixtures/consumer-types.ts'), join(appDir, 'types.ts'));
  cjsAppDir = await installInto(join(work, 'cjs-app'), 'commonjs');
  copyFileSync(join(ROOT, 'test/package/fixtures/consumer-app.cjs'), join(cjsAppDir, 'main.cjs'));
  copyFileSync(
    join(ROOT, 'test/package/fixtures/consumer-types.cts'),
    join(cjsAppDir, 'types.cts'),
  );
}, 120_000);

/** An app directory with the tarball unpacked into its node_modules, as `npm install <tarball>` leaves it. */
async function installInto(dir: string, type: 'module' | 'commonjs'): Promise<string> {
  const modules = join(dir, 'node_modules');
  const target = join(modules, 'nestjs-redis-cache');
  mkdirSync(target, { recursive: true });
  await run('tar', ['-xzf', join(work, packed.filename), '-C', target, '--strip-components=1']);
  // Everything else the app needs comes from the repository's node_modules, as an install would.
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name.startsWith('.') || name === 'nestjs-redis-cache') continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', type, private: true }),
  );
  return dir;
}

async function typeCheck(dir: string, file: string): Promise<string> {
  writeFileSync(
    join(dir, 'tsconfig.json'),
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
      files: [file],
    }),
  );
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir }).catch(
    (error: { stdout?: string; stderr?: string }) => error,
  );
  return `${result.stdout ?? ''}${result.stderr ?? ''}`;
}

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

  it('ships source maps that carry their sources (lib/ itself is not shipped)', () => {
    const maps = packed.files.map((file) => file.path).filter((path) => path.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(20);
    const withoutSources = maps.filter((path) => {
      const map = JSON.parse(readFileSync(join(installed, path), 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      return map.sourcesContent?.length !== map.sources.length || map.sourcesContent.includes(null);
    });
    expect(withoutSources).toEqual([]);
  });

  it('has exports (types, then the ESM build for import and require alike) pointing to files that exist, with the peer dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('nestjs-redis-cache');
    expect(manifest.type).toBe('module');
    const entries = ['.', './cache-manager', './testing', './engine'].map(
      (subpath) => manifest.exports[subpath],
    );
    for (const entry of entries) expect(Object.keys(entry)).toEqual(['types', 'default']);
    const targets = [
      ...entries.flatMap((entry) => Object.values<string>(entry)),
      ...Object.values<string[]>(manifest.typesVersions['*']).flat(),
      manifest.main,
      manifest.types,
    ];
    for (const target of targets) expect(existsSync(join(installed, target)), target).toBe(true);
    for (const peer of PEERS) expect(Object.keys(manifest.peerDependencies)).toContain(peer);
    for (const peer of PEERS) expect(Object.keys(manifest.dependencies ?? {})).not.toContain(peer);
    expect(manifest.engines.node).toMatch(/>=\s*20/);
  });

  it('ships the license, the changelog and every file its documents link to', () => {
    const paths = new Set(packed.files.map((file) => file.path));
    for (const file of ['README.md', 'LICENSE', 'CHANGELOG.md']) expect(paths).toContain(file);
    const documents = [...paths].filter((path) => path.endsWith('.md'));
    expect(documents.length).toBeGreaterThan(3);
    for (const document of documents) {
      const text = readFileSync(join(installed, document), 'utf8');
      // Relative links only: absolute ones (https:, mailto:) and in-page anchors leave the tarball.
      for (const [, target] of text.matchAll(/\]\((?![a-z]+:|#)([^)#\s]+)/g)) {
        const linked = posix.normalize(posix.join(posix.dirname(document), target));
        expect(paths.has(linked), `${document} links to ${target}`).toBe(true);
      }
    }
  });

  it('has no top-level await, so Node >= 20.19 can require() it', () => {
    const files = packed.files.map((file) => file.path).filter((path) => path.endsWith('.js'));
    const ts = createRequire(import.meta.url)('typescript') as typeof import('typescript');
    const withTopLevelAwait = files.filter((path) => {
      const source = readFileSync(join(installed, path), 'utf8');
      const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true);
      const visit = (node: import('typescript').Node): boolean =>
        !ts.isFunctionLike(node) &&
        (ts.isAwaitExpression(node) ||
          (ts.isForOfStatement(node) && node.awaitModifier !== undefined) ||
          ts.forEachChild(node, visit) === true);
      return ts.forEachChild(file, visit) === true;
    });
    expect(files.length).toBeGreaterThan(20);
    expect(withTopLevelAwait).toEqual([]);
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
        files: ['index.d.ts', 'compat/index.d.ts', 'testing/index.d.ts', 'engine/index.d.ts'].map(
          (entry) => `node_modules/nestjs-redis-cache/dist/${entry}`,
        ),
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

  it('export what the checked-in API report says (api/*.api.md; `npm run api:update` after a deliberate change)', async () => {
    // Unpacked outside any node_modules (API Extractor takes what is under one for a dependency),
    // with the repository's dependencies one folder up, where Node looks for them.
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    await run('tar', ['-xzf', join(work, packed.filename), '-C', unpacked, '--strip-components=1']);
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
    const result: { code?: number; stderr?: string } = await run(
      process.execPath,
      [join(ROOT, 'scripts/api-report.mjs'), '--check', '--package', unpacked],
      { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
    ).catch((error: { code?: number; stderr?: string }) => error);
    // The diff against the report, if any, is in `diff`.
    expect({ exitCode: result.code ?? 0, diff: result.stderr ?? '' }).toEqual({
      exitCode: 0,
      diff: '',
    });
  }, 120_000);
});

describe('installed into a plain ESM Nest app', () => {
  it('imports RedisCacheModule and RedisCacheService from the package and caches on Redis, and tests with its testing subpath', async () => {
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
      ttl: 300,
      testing: { beforeExpiry: 'v', afterExpiry: 'miss' },
    });
  });

  it('type-checks a TypeScript consumer against the shipped .d.ts files', async () => {
    expect(await typeCheck(appDir, 'types.ts')).toBe('');
  }, 90_000);
});

describe('installed into a CommonJS Nest app', () => {
  it("requires 'nestjs-redis-cache', its cache-manager, testing and engine subpaths, and caches on Redis", async () => {
    const { stdout, stderr } = await run(process.execPath, ['main.cjs'], {
      cwd: cjsAppDir,
      env: { ...process.env, REDIS_URL: sharedRedisUrl(), NAMESPACE: uniqueNamespace('cjs') },
      timeout: 20_000,
    });
    const report = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(report).toEqual({
      product: { id: 7, loadedAtIsDate: true },
      dropIn: { greeting: 'hello', ttlInMs: true },
      testRedis: true,
      engine: { fromEngine: 42, engineHit: 42 },
    });
    expect(stderr).not.toMatch(/ERR_|Error/);
  });

  it('type-checks a CommonJS TypeScript consumer of the three entry points', async () => {
    expect(await typeCheck(cjsAppDir, 'types.cts')).toBe('');
  }, 90_000);

  it("runs the README's Quick start compiled by tsc to CommonJS (`nest new`'s settings)", async () => {
    const dir = join(cjsAppDir, 'quick-start');
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'src/main.ts'), quickStartSnippet());
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'commonjs',
          target: 'ES2023',
          esModuleInterop: true,
          emitDecoratorMetadata: true,
          experimentalDecorators: true,
          strict: true,
          strictPropertyInitialization: false,
          skipLibCheck: true,
          types: ['node'],
          outDir: 'dist',
          rootDir: 'src',
        },
        files: ['src/main.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const compiled = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir }).catch(
      (error: { stdout?: string; stderr?: string }) => error,
    );
    expect(`${compiled.stdout ?? ''}${compiled.stderr ?? ''}`).toBe('');
    expect(readFileSync(join(dir, 'dist/main.js'), 'utf8')).toContain(
      'require("nestjs-redis-cache")',
    );

    // The Quick start uses the default namespace: give it a Redis of its own.
    const redis = await RedisServer.start();
    const port = await freePort();
    const app = spawn(process.execPath, ['dist/main.js'], {
      cwd: dir,
      env: { ...process.env, PORT: String(port), REDIS_URL: redis.url },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    app.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<string>((resolve) =>
      app.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)),
    );
    try {
      await expectQuickStartCaches(
        `http://127.0.0.1:${port}`,
        redis.url,
        () => app.exitCode !== null,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\nthe app's stderr:\n${stderr}`, { cause: error });
      });
      expect(stderr).toBe('');
      // enableShutdownHooks closes the Redis connections, then Nest re-raises the signal.
      app.kill('SIGTERM');
      expect(await exited).toBe('SIGTERM');
    } finally {
      if (app.exitCode === null) app.kill('SIGKILL');
      await redis.dispose();
    }
  }, 120_000);
});
