import { defineConfig } from 'vitest/config';

// Integration tests start real API and worker processes and run real PyTorch subprocesses: they
// run one file at a time so that their timing (budgets, lease expiry) is not skewed by each other.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
