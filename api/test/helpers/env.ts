import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Env, parseEnv } from '../../src/env.ts';

export const ADMIN_TOKEN = 'xn_test_admin_token_0123456789abcdef';
export const FIXTURE_SCRIPTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/training-scripts');

/** One Redis channel prefix per test process: concurrent test runs may share one Redis. */
export const TEST_REDIS_PREFIX = `xeenet-test-${randomBytes(6).toString('hex')}:`;

/** An environment for tests: silent logs, a random port, no network fetches, a known admin token. */
export function testEnv(overrides: Record<string, string | undefined> = {}): Env {
  return parseEnv({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    XEENET_LOG_LEVEL: process.env.XEENET_TEST_LOG_LEVEL ?? 'silent',
    XEENET_FETCH_DATASETS: 'false',
    XEENET_ADMIN_TOKEN: ADMIN_TOKEN,
    XEENET_TRAINING_SCRIPTS_DIR: FIXTURE_SCRIPTS,
    XEENET_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'xeenet-test-')),
    XEENET_REAPER_INTERVAL_MS: '60000',
    XEENET_REDIS_PREFIX: TEST_REDIS_PREFIX,
    // Tests of other concerns pay at once; verification's own tests turn replay on (helpers/verification.ts).
    XEENET_VERIFICATION: 'off',
    // Tests register many machines from 127.0.0.1; registration-limit.test.ts sets real limits.
    XEENET_REGISTRATION_PER_ADDRESS_BURST: '1000000',
    XEENET_REGISTRATION_GLOBAL_BURST: '1000000',
    ...overrides,
  });
}
