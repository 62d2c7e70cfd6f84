// Lint keeps the rooms apart: only main/electron/ may import 'electron' in main/, the renderer
// never reaches into main/, the contract imports nothing, the shared name lists import only
// its types, and the preload (a sandboxed script) imports 'electron' and those two only.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const electronBan = {
  paths: [{ name: 'electron', message: "Only main/electron/ may import 'electron': everything else in main/ runs under plain Node." }],
  patterns: [{ group: ['electron/*'], message: "Only main/electron/ may import 'electron'." }],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'test-artifacts/**', 'bench-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/electron/**'],
    rules: { 'no-restricted-imports': ['error', electronBan] },
  },
  {
    // One clock for the whole app: main/ is handed `now` (Core's option, ConnectionContext.now,
    // a provider's `now`), so a simulated clock is seen everywhere (a rate limit's "retry at"
    // is that clock plus the delay). Only common/clock.ts makes the real one. Elapsed time
    // (time-outs, a pinned clock advancing) uses performance.now(): monotonic, never a date.
    files: ['main/**/*.ts'],
    ignores: [
      'main/common/clock.ts',
      // A migration's up() is given only the database, and this one ran on every existing
      // ledger long ago: its created_at is the moment the file got its identity.
      'main/ledger/migrations/0008-ledger-identity.ts',
    ],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'main/ never reads the wall clock: use the injected clock (`now()`), see main/common/clock.ts.' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'main/ never reads the wall clock: use the injected clock (`now()`), or performance.now() for elapsed time; see main/common/clock.ts.' },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: electronBan.paths,
        patterns: [
          { group: ['**/main/**', '../main/*', '../../main/*'], message: 'The renderer never imports main/: call the API contract (preload/api.ts).' },
          { group: ['node:*'], message: 'The renderer runs in a browser page: no Node modules.' },
        ],
      }],
    },
  },
  {
    files: ['preload/methods.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { regex: '^(?!\\./api$)', message: 'preload/methods.ts imports only types from ./api: the sandboxed preload, the page and Node all load it.' },
          { regex: '^\\./api$', allowTypeImports: true, message: 'preload/methods.ts imports only types from ./api (import type).' },
        ],
      }],
    },
  },
  {
    files: ['preload/index.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{
          regex: '^(?!(electron|\\./methods|\\./api)$)',
          message: "The preload runs sandboxed, where require() knows only 'electron': it imports 'electron', ./methods and types from ./api.",
        }],
      }],
    },
  },
  {
    files: ['preload/api.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['*'], message: 'preload/api.ts is the type-only contract: it imports nothing.' }] }],
    },
  },
);
