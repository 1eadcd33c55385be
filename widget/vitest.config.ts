import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // What the browser shows is awaited with a deadline, never a fixed sleep; the
    // deadline is generous for a loaded two-core machine.
    expect: { poll: { timeout: 10_000 } },
    // Two cores are shared by the server, Chromium and the tests: one file at a time. (No
    // test times anything: `npm run bench:open` measures the opening.)
    fileParallelism: false,
    pool: 'forks',
  },
});
