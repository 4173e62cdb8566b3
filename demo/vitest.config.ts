import { defineConfig } from 'vitest/config';

// The from-a-fresh-clone test installs, builds and trains: it runs alone and takes minutes.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
