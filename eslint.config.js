// Lint rules for the whole monorepo. Type-checked typescript-eslint rules everywhere;
// layer rules keep dependencies pointing one way (see ARCHITECTURE.md):
// shared -> nothing platform-specific; client and coordinator never import each other,
// except coordinator/src/simulation and coordinator/src/cli, which run the client.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.turbo/**',
      'examples/**/public/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'Use named exports (no export *).' },
      ],
    },
  },
  {
    files: ['shared/src/**/*.ts'],
    rules: restrict(
      [
        ...nodeBuiltins,
        'socket.io',
        'socket.io-*',
        'onnxruntime-*',
        '@edgefed/client',
        '@edgefed/coordinator',
        'express',
        'better-sqlite3',
      ],
      '@edgefed/shared runs anywhere: no Node built-ins, sockets, onnxruntime, or other edgefed packages.',
    ),
  },
  {
    // Tests of the pure model compiler check the emitted graphs with real onnxruntime sessions.
    files: ['shared/src/**/*.test.ts'],
    rules: restrict(
      [
        ...nodeBuiltins.filter((m) => !m.endsWith('test')),
        'socket.io',
        'socket.io-*',
        'onnxruntime-web',
        'onnxruntime-web/*',
        '@edgefed/client',
        '@edgefed/coordinator',
      ],
      'Tests of @edgefed/shared may use onnxruntime-node to run graphs, nothing else platform-specific.',
    ),
  },
  {
    files: ['client/src/**/*.ts'],
    rules: restrict(
      ['@edgefed/coordinator', '@edgefed/coordinator/*'],
      'The client never imports the coordinator.',
    ),
  },
  {
    files: ['coordinator/src/**/*.ts'],
    ignores: ['coordinator/src/simulation/**', 'coordinator/src/cli/**'],
    rules: restrict(
      ['@edgefed/client', '@edgefed/client/*'],
      'Only coordinator/src/simulation and the CLI may use the client.',
    ),
  },
  {
    // The dashboard is a browser page: no Node built-ins or server-side packages.
    files: ['coordinator/web/**/*.ts', 'coordinator/web/**/*.tsx'],
    rules: restrict(
      [...nodeBuiltins, 'express', 'better-sqlite3', 'socket.io', 'onnxruntime-*', '@edgefed/client'],
      'The dashboard runs in the browser: it talks to the coordinator over HTTP and socket.io-client only.',
    ),
  },
  {
    files: ['**/*.test.ts', 'tests/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
    },
  },
);
