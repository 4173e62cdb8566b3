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
  /**
   * A heartbeat writes the task row (lease expiry, progress) at most this often; the ones between
   * only update the live progress store (memory, or Redis with REDIS_URL). Capped at half the
   * lease TTL so a live worker's written lease never runs out; 0 writes every heartbeat.
   */
  XEENET_HEARTBEAT_WRITE_S: z.coerce.number().min(0).max(600).default(15),
  /** Lease requests that arrive together share one statement, up to this many (1: one statement each). */
  XEENET_LEASE_BATCH_MAX: z.coerce.number().int().min(1).max(1000).default(64),
  XEENET_REAPER_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  XEENET_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(512 * 1024),
  XEENET_MAX_UPLOAD_BYTES: z.coerce.number().int().min(1024).default(32 * 1024 * 1024),
  XEENET_RESEARCHER_GRANT: z.coerce.number().int().min(0).default(100_000),
  XEENET_ADMIN_GRANT: z.coerce.number().int().min(0).default(10_000_000),
  /** Wall budgets: credits per second of a CPU-class task (the classic rate). */
  XEENET_CREDITS_PER_TASK_SECOND: z.coerce.number().int().min(0).max(1000).default(1),
  /** Wall budgets: credits per second of a GPU-class task (a GPU-second buys more work). */
  XEENET_CREDITS_PER_GPU_SECOND: z.coerce.number().int().min(0).max(100_000).default(4),
  /** Compute budgets counted in FLOPs: credits per 10^12 training FLOPs (18: a 5e11 task costs 9, like 9 CPU-seconds). */
  XEENET_CREDITS_PER_TFLOP: z.coerce.number().min(0).max(1e9).default(18),
  /** Compute budgets counted in tokens: credits per million training tokens (10: 327,680 tokens cost 4). */
  XEENET_CREDITS_PER_MILLION_TOKENS: z.coerce.number().min(0).max(1e9).default(10),
  /** A compute brief's default wall-clock safety cap per task, in seconds (the brief may set its own). */
  XEENET_COMPUTE_MAX_WALL_S: z.coerce.number().int().min(1).max(86_400).default(3600),
  /** A compute task's cap on a calibrated machine: expected seconds x this margin + XEENET_CAP_OVERHEAD_S. */
  XEENET_CAP_MARGIN: z.coerce.number().min(1).max(100).default(3),
  /** Seconds added to every calibrated cap: start-up and evaluation, which do not scale with the budget. */
  XEENET_CAP_OVERHEAD_S: z.coerce.number().min(0).max(3600).default(15),
  /** Anonymous registerWorker: burst per client address, refilled at XEENET_REGISTRATION_PER_ADDRESS_PER_HOUR. */
  XEENET_REGISTRATION_PER_ADDRESS_BURST: z.coerce.number().int().min(1).max(1_000_000).default(10),
  XEENET_REGISTRATION_PER_ADDRESS_PER_HOUR: z.coerce.number().min(0).max(1e7).default(20),
  /** Anonymous registerWorker over all addresses together (a server-wide bucket). */
  XEENET_REGISTRATION_GLOBAL_BURST: z.coerce.number().int().min(1).max(1_000_000).default(200),
  XEENET_REGISTRATION_GLOBAL_PER_HOUR: z.coerce.number().min(0).max(1e8).default(2000),
  /** Behind a reverse proxy: take the client address from the first X-Forwarded-For entry. */
  XEENET_TRUST_PROXY: booleanFlag.default(false),
  /**
   * Result verification by replay (modules/verification): `replay` (the default) replicates results
   * on independent workers, pays on validation and strikes invalid results; results of the campaign
   * owner's own workers (e.g. `npm start`'s local worker) stand on the owner's trust. `off` accepts
   * every result as reported.
   */
  XEENET_VERIFICATION: z.enum(['off', 'replay']).default('replay'),
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
  /** The platform's Ed25519 signing key as a PEM (PKCS#8) text; else XEENET_SIGNING_KEY_FILE; else generated in XEENET_DATA_DIR. */
  XEENET_SIGNING_KEY: z.string().includes('PRIVATE KEY', { message: 'must be a PEM private key (-----BEGIN PRIVATE KEY-----)' }).optional(),
  /** A file holding the signing key as a PEM (a mounted secret). */
  XEENET_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** Largest researcher training script accepted, in bytes. */
  XEENET_MAX_SCRIPT_BYTES: z.coerce.number().int().min(1024).max(16 * 1024 * 1024).default(256 * 1024),
  /** The Python that checks an uploaded script parses (ast.parse); unset or missing: the check says so. */
  XEENET_PYTHON: z.string().min(1).default('/usr/bin/python3'),
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
