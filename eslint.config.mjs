// Lint rules, above all the layer rule of DESIGN.md: src/core and src/protocol
// are pure. They import nothing from Node, nothing impure of ours, and the core
// reads no clock and sets no timer (time comes in as an argument).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs',
  'fs/promises', 'http', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline',
  'stream', 'timers', 'tls', 'tty', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];
const impureOfOurs = ['**/adapters', '**/adapters/**', '**/daemon', '**/daemon/**', '**/cli/**', '**/client/**', '**/soak/**',
  '**/config/**', '**/lab/**'];

const pureImports = {
  'no-restricted-imports': ['error', {
    paths: nodeBuiltins.map((name) => ({ name, message: 'src/core and src/protocol are pure: no Node modules (DESIGN.md, Layout).' })),
    patterns: [
      { group: ['node:*'], message: 'src/core and src/protocol are pure: no node:* imports (DESIGN.md, Layout).' },
      { group: impureOfOurs, message: 'src/core and src/protocol may not depend on impure layers (DESIGN.md, Layout).' },
    ],
  }],
};

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'coverage/', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // A promise nobody awaits must have its rejection handled: an unhandled rejection
    // ends floatipd (Node's default), and a swallowed one loses the error. `void p` does
    // not count as handling (ignoreVoid: false): write `p.catch(...)` with a reason.
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: { ...pureImports },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      ...pureImports,
      'no-restricted-globals': ['error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'process', 'require', 'Date'].map((name) => ({
          name, message: 'src/core has no clock, timers or process access: pass time and inputs in.',
        })),
      ],
      'no-restricted-imports': ['error', {
        paths: pureImports['no-restricted-imports'][1].paths,
        patterns: [
          ...pureImports['no-restricted-imports'][1].patterns,
          { group: ['**/protocol', '**/protocol/**'], message: 'src/core depends on nothing of ours (DESIGN.md, Layout).' },
        ],
      }],
    },
  },
);
