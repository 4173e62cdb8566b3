// The browser end-to-end suite: a real API (PGlite), a real worker (PyTorch) and Debian's
// Chromium. Run with `npm run e2e` (it builds the app first).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 420_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
});
