import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests each create their own databases; two workers suit the 2-core machines.
    maxWorkers: 2,
  },
});
