import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

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
    include: ['test/**/*.spec.ts'],
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
  },
});
