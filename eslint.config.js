// ESLint flat config: typescript-eslint with type information, one-way imports,
// no cycles, and the size caps of docs/STYLE (../shared/design/STYLE.md).
import tseslint from 'typescript-eslint';
import sluice from './tools/eslint-rules.js';

const clientNodeOnlyInKube = {
  paths: [
    {
      name: '@kubernetes/client-node',
      message: 'Only src/kube/ talks to the API server: import what you need from src/kube/ instead.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.sluice/**', 'coverage/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { sluice },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/test return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'sluice/no-import-cycle': 'error',
      'sluice/layers': 'error',
      'no-restricted-imports': ['error', clientNodeOnlyInKube],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Small functions, as pepr keeps them (STYLE.md).
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      complexity: ['error', 10],
      'max-params': ['error', 4],
      'max-depth': ['error', 3],
    },
  },
  {
    files: ['src/kube/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['eslint.config.js', 'tools/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['eslint.config.js', 'tools/**/*.js'],
    rules: { '@typescript-eslint/explicit-module-boundary-types': 'off' },
  },
);
