import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests import the source; those of the built binary and of the worker threads run dist/, rebuilt first when stale.
    globalSetup: ['test/support/fresh-build.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests each create their own databases; two workers suit the 2-core machines.
    maxWorkers: 2,
    // A test file per process: test/support/cli.ts runs the CLI in the test's process and changes its working directory.
    pool: 'forks',
  },
});
