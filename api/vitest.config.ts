import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql ships CJS and ESM builds; Node loads the CJS one for yoga and Pothos, so tests must
    // too, or `instanceof GraphQLError` fails across the two copies (the dual-package hazard).
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // Generous: PGlite (PostgreSQL in WebAssembly) starts and migrates on the CPU, and a shared
    // 2-core machine under load can take minutes; a timeout here is never what a test checks.
    testTimeout: 90_000,
    hookTimeout: 180_000,
  },
});
