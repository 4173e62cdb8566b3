// The one place that reads process.env: parsed once, every problem listed at start.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  /** Prepended to every Redis channel, so deployments (and test runs) can share one Redis. */
  XEENET_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1 to 64 letters, digits or _ . : -')
    .default('xeenet:'),
  XEENET_DATA_DIR: z.string().min(1).default(path.join(repoRoot, '.xeenet')),
  XEENET_PUBLIC_URL: z.string().url().optional(),
  XEENET_TRAINING_SCRIPTS_DIR: z.string().min(1).default(path.join(repoRoot, 'training-scripts')),
  XEENET_WEB_DIST: z.string().min(1).default(path.join(repoRoot, 'web', 'dist')),
  XEENET_DATASETS_DIR: z.string().min(1).optional(),
  XEENET_FETCH_DATASETS: booleanFlag.default(true),
  XEENET_TINYSHAKESPEARE_URL: z
    .string()
    .url()
    .default('https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt'),
  XEENET_ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  XEENET_OPEN_REGISTRATION: booleanFlag.default(true),
  XEENET_LEASE_TTL_S: z.coerce.number().int().min(5).max(3600).default(30),
  XEENET_REAPER_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  XEENET_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(512 * 1024),
  XEENET_MAX_UPLOAD_BYTES: z.coerce.number().int().min(1024).default(32 * 1024 * 1024),
  XEENET_RESEARCHER_GRANT: z.coerce.number().int().min(0).default(100_000),
  XEENET_ADMIN_GRANT: z.coerce.number().int().min(0).default(10_000_000),
  XEENET_CREDITS_PER_TASK_SECOND: z.coerce.number().int().min(0).max(1000).default(1),
  /**
   * Result verification by replay (modules/verification): `replay` replicates results on
   * independent workers, pays on validation and strikes invalid results; `off` accepts every result
   * as reported (a single-owner fleet, e.g. `npm start`'s local worker, cannot verify itself).
   */
  XEENET_VERIFICATION: z.enum(['off', 'replay']).default('off'),
  /**
   * Once established, a worker's results are spot-checked with probability 1 / this. 20 keeps the
   * steady-state overhead (spot checks + new bests + the top results) near BOINC's 5-10 % (bench:verify).
   */
  XEENET_REPLICATION_CV: z.coerce.number().int().min(1).max(1_000_000).default(20),
  /** Consecutive valid results after which a worker is established (not every result replicated). */
  XEENET_TRUST_AFTER_VALID: z.coerce.number().int().min(1).max(1000).default(10),
  /** Seeds the spot-check draws, so a run of the same campaigns replicates the same results. */
  XEENET_VERIFICATION_SEED: z.coerce.number().int().min(0).max(2 ** 31 - 1).default(0),
  /** Invalid results (strikes) after which a worker and its owner are excluded from leasing. */
  XEENET_MAX_STRIKES: z.coerce.number().int().min(1).max(100).default(3),
  /** An unproven worker gets no new lease while this many of its results await a verdict. */
  XEENET_MAX_PENDING_UNPROVEN: z.coerce.number().int().min(1).max(1000).default(3),
  /** A new worker's daily task quota (doubles per valid result, halves per invalid). */
  XEENET_INITIAL_DAILY_QUOTA: z.coerce.number().int().min(1).max(1_000_000).default(16),
  /** Expected share of a campaign's tasks that get replicated, reserved at submission (unused returns). */
  XEENET_VERIFICATION_RESERVE: z.coerce.number().min(0).max(3).default(0.25),
  /** The best results of a finished campaign confirmed by an independent worker. */
  XEENET_VERIFY_TOP: z.coerce.number().int().min(0).max(100).default(3),
  /** SIGTERM: how long in-flight requests may take before connections are cut. */
  XEENET_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** /metrics reads task counts and presence from the database at most this often. */
  XEENET_METRICS_REFRESH_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /** `npm start` (the launcher): run one local worker beside the API. */
  XEENET_LOCAL_WORKER: booleanFlag.default(true),
  /** The local worker's folders (token, cache, spool); default <XEENET_DATA_DIR>/worker. */
  XEENET_WORKER_HOME: z.string().min(1).optional(),
  XEENET_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  XEENET_SQL_DEBUG: booleanFlag.default(false),
});

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Parses an environment; throws EnvError listing every problem at once. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return result.data;
}

/** Reads process.env; prints every problem and exits on bad configuration. */
export function loadEnv(): Env {
  try {
    return parseEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
