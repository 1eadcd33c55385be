/**
 * ESLint for the Shopify app: ESLint's recommended rules; Node globals for the app, its
 * tests and scripts, browser globals for the theme app extension's script (which also
 * runs in the test page). Formatting is prettier's, checked beside it by `npm run lint`.
 */
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';

export default defineConfig(
  { ignores: ['test-results/'] },
  js.configs.recommended,
  { languageOptions: { globals: globals.node } },
  { files: ['extensions/**/*.js', 'test/**'], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
  { rules: { 'no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_' }] } },
);
