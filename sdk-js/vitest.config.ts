import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores are shared with the server under test: a few files at a time.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
