// Starts the real API as a separate process (so tests can kill and restart it) on a fixed free port,
// against a fresh PostgreSQL database when a server is reachable, else embedded PGlite on disk.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
// The API's own test databases: one fresh PostgreSQL database per API process.
import { createTestDatabase, POSTGRES_SERVER_URL } from '../../../api/test/helpers/postgres.ts';
import { API_MAIN, sharedDataDir, TRAINING_SCRIPTS } from './paths.ts';
import { waitUntil } from './wait.ts';

export const ADMIN_TOKEN = 'xn_worker_test_admin_token_0123456789abcdef';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_SERVER_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export interface ApiOptions {
  /** A training-scripts folder with a manifest.json (default: the repository's training-scripts/). */
  scriptsDir?: string;
  leaseTtlS?: number;
  reaperIntervalMs?: number;
  /** XEENET_PUBLIC_URL: artifact URLs in leases start with it (e.g. a test proxy). */
  publicUrl?: string;
  /** Share another API process's PostgreSQL database (a second replica); it is not dropped here. */
  databaseUrl?: string;
  env?: Record<string, string>;
}

export interface ApiProcess {
  url: string;
  graphqlUrl: string;
  port: number;
  database: 'postgresql' | 'pglite';
  /** The PostgreSQL database it uses (null on PGlite). */
  databaseUrl: string | null;
  output: string[];
  /** Starts it again on the same port and database (after stop or kill); a no-op while it runs. */
  start(): Promise<void>;
  /** Graceful stop (SIGTERM). */
  stop(): Promise<void>;
  /** Abrupt stop (SIGKILL). */
  kill(): Promise<void>;
  /** Stops it and deletes its database. */
  dispose(): Promise<void>;
}

export { postgresReachable };

export async function startApi(options: ApiOptions = {}): Promise<ApiProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'xeenet-worker-api-'));
  const database = options.databaseUrl
    ? { url: options.databaseUrl, drop: async () => {} }
    : (await postgresReachable())
      ? await createTestDatabase()
      : null;
  const datasets = sharedDataDir();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    XEENET_DATA_DIR: dataDir,
    XEENET_ADMIN_TOKEN: ADMIN_TOKEN,
    XEENET_FETCH_DATASETS: 'false',
    XEENET_TRAINING_SCRIPTS_DIR: options.scriptsDir ?? TRAINING_SCRIPTS,
    XEENET_LEASE_TTL_S: String(options.leaseTtlS ?? 30),
    XEENET_REAPER_INTERVAL_MS: String(options.reaperIntervalMs ?? 500),
    XEENET_LOG_LEVEL: 'warn',
    // Worker tests check the worker; results are paid at once (the API's tests cover verification).
    XEENET_VERIFICATION: 'off',
    // Many simulated machines register from one address here; the limits have their own test.
    XEENET_REGISTRATION_PER_ADDRESS_BURST: '1000000',
    XEENET_REGISTRATION_GLOBAL_BURST: '1000000',
    ...(datasets ? { XEENET_DATASETS_DIR: datasets } : {}),
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...(options.publicUrl ? { XEENET_PUBLIC_URL: options.publicUrl } : {}),
    ...options.env,
  };
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const api: ApiProcess = {
    url,
    graphqlUrl: `${url}/graphql`,
    port,
    database: database ? 'postgresql' : 'pglite',
    databaseUrl: database?.url ?? null,
    output,
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) return;
      const proc = spawn(process.execPath, [API_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      exited = new Promise((resolve) => proc.once('exit', () => resolve()));
      proc.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      proc.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      await waitUntil(
        async () => {
          if (proc.exitCode !== null) throw new Error(`the API exited with ${proc.exitCode}: ${output.join('').slice(-2000)}`);
          const response = await fetch(`${url}/healthz`);
          return response.ok;
        },
        90_000,
        'the API to answer /healthz',
        100,
      );
    },
    async stop() {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
    async kill() {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    async dispose() {
      await api.kill();
      await database?.drop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await api.start();
  return api;
}
