// Lint (docs/DECISIONS.md D-lint): typescript-eslint with type information, for the bugs a server
// cannot afford (floating and misused promises, awaiting non-promises, objects stringified as
// "[object Object]", throwing non-errors), plus the layering rule of DESIGN.md "Layout".
// Formatting is Prettier's (`npm run format`).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import layering from './scripts/eslint-layering.js';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/fixtures/**', 'test/corpus/**', 'coverage/**', '.ci-intel/**', 'reports/**', '.stryker-tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'ci-intel': { rules: { layering } } },
    rules: {
      'ci-intel/layering': 'error',
      // JSON crosses every boundary here (records, payloads, reports) and is checked by schemas
      // where it enters; typing each access again would add casts, not safety.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // `x!` marks an index the code knows is present (noUncheckedIndexedAccess is off): kept as intent.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-control-regex': 'off', // terminal escape codes are what the log normalizer removes
      // Fastify handlers and hooks are async by contract, awaiting or not.
      '@typescript-eslint/require-await': 'off',
      // Flags every String(x) of an `unknown` (commander options, JSON fields): noise, not bugs.
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: true, allow: [{ from: 'lib', name: 'URLSearchParams' }] },
      ],
      // Caught values are rethrown as they came (they are errors, typed unknown by TypeScript).
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true }],
    },
  },
  {
    // Tests: local servers with async request handlers, values of any shape in messages.
    files: ['**/*.test.ts', 'test/**'],
    rules: {
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/restrict-plus-operands': 'off',
    },
  },
  { files: ['**/*.{js,mjs}'], ...tseslint.configs.disableTypeChecked },
  {
    // Browser code: its own tsconfig (DOM library), which the project service cannot find from a pillar's folder.
    files: ['src/web/**/*.ts', 'src/core/web/**/*.ts', 'src/pillars/*/web/**/*.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { projectService: false, project: ['src/web/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
  },
);
