// Lint: typescript-eslint's recommended rules over the library, tests, sample app and benchmarks.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/peers/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  // CommonJS files (the pack test's CommonJS consumer) load modules with require() by definition.
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
