import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const ALONE = ['test/codec/large-values.spec.ts'];

export default defineConfig({
  plugins: [
    // esbuild drops emitDecoratorMetadata, which Nest's dependency injection needs.
    swc.vite({ module: { type: 'es6' }, jsc: { target: 'es2022' } }),
  ],
  resolve: {
    alias: [
      {
        find: /^nestjs-redis-cache\/cache-manager$/,
        replacement: fileURLToPath(new URL('./lib/compat/index.ts', import.meta.url)),
      },
      {
        find: /^nestjs-redis-cache\/engine$/,
        replacement: fileURLToPath(new URL('./lib/engine/index.ts', import.meta.url)),
      },
      {
        find: /^nestjs-redis-cache\/testing$/,
        replacement: fileURLToPath(new URL('./lib/testing/index.ts', import.meta.url)),
      },
      {
        find: /^nestjs-redis-cache$/,
        replacement: fileURLToPath(new URL('./lib/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/setup-file.ts'],
    pool: 'forks',
    // Two cores: two test files at a time, each with its own Redis namespace.
    maxWorkers: 2,
    // Generous: tests that start child processes or Redis Clusters take far longer on two busy
    // cores than on a quiet machine; timing assertions inside tests are unaffected.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      // Projects extend this config, and their lists add to it: each says which files it runs.
      { extends: true, test: { name: 'suite', include: ['test/**/*.spec.ts'], exclude: ALONE } },
      // Bounds on main-thread CPU per event-loop turn (a 50 MB value): two files at a time on two
      // hyperthreads double that CPU time, so these run after the suite, one file at a time.
      {
        extends: true,
        test: { name: 'alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
