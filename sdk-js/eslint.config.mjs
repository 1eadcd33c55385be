/**
 * ESLint for the SDK: the recommended rules of ESLint and typescript-eslint on the
 * sources, tests and scripts (formatting is prettier's, checked beside it by `npm run lint`).
 */
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig({ ignores: ['dist/', 'src/generated/'] }, js.configs.recommended, tseslint.configs.recommended, {
  files: ['scripts/**', 'test/**', '*.config.*'],
  languageOptions: { globals: globals.node },
});
