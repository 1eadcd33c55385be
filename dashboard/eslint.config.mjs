/**
 * ESLint for the dashboard: the recommended rules of ESLint and typescript-eslint, and
 * React's rules of hooks. Formatting is prettier's, checked beside it by `npm run lint`.
 */
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'test-results/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  { files: ['src/**/*.{ts,tsx}'], ...reactHooks.configs['recommended-latest'] },
  { files: ['src/**', 'public/**'], languageOptions: { globals: globals.browser } },
  { files: ['public/sw.js'], languageOptions: { globals: globals.serviceworker } },
  { files: ['scripts/**', '*.config.*'], languageOptions: { globals: globals.node } },
  // Browser tests: Node code, and the functions it hands to the page (`page.evaluate`).
  { files: ['test/**'], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
  {
    rules: {
      // `const { avatarUrl: _, ...agent } = x` is how a key is left out.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
);
