/**
 * ESLint for the widget: the recommended rules of ESLint and typescript-eslint, and the
 * rules of hooks (they hold for the panel's own hooks, `src/panel/dom.ts`, as for React's). Formatting is prettier's,
 * checked beside it by `npm run lint`.
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
  { files: ['src/**'], languageOptions: { globals: globals.browser } },
  { files: ['scripts/**', 'test/**', '*.config.*'], languageOptions: { globals: globals.node } },
);
