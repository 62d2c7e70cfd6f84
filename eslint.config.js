// Lint keeps the rooms apart: only main/electron/ may import 'electron', the renderer never
// reaches into main/, and preload only shares types.
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
    files: ['preload/api.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['*'], message: 'preload/api.ts is the type-only contract: it imports nothing.' }] }],
    },
  },
);
