// Processes for browser tests and measurements: the API on PGlite, real workers, and Debian's
// Chromium driven by playwright-core. Everything starts on free ports in temp folders and is
// killed with its whole process group at the end.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoDir = path.resolve(webDir, '..');
export const resultsDir = path.join(webDir, 'test-results');

/** Test data: $XEENET_SHARED_DATA, else <repo>/../shared/data, else /work/shared/data; null if none holds TinyShakespeare. */
export function sharedDataDir(): string | null {
  const candidates = [process.env.XEENET_SHARED_DATA, path.resolve(repoDir, '..', 'shared', 'data'), '/work/shared/data'];
  return candidates.find((dir): dir is string => Boolean(dir) && existsSync(path.join(dir!, 'tinyshakespeare.txt'))) ?? null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const live = new Set<ChildProcess>();
// Last resort: if this process exits without stopping its children, take their groups down with it.
process.once('exit', () => {
  for (const child of live) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

/** A child in its own process group, so stop() takes its children (e.g. Python) with it. */
export class Managed {
  readonly name: string;
  readonly child: ChildProcess;
  readonly output: string[] = [];
  private exited: Promise<number | null>;

  constructor(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd = repoDir) {
    this.name = name;
    this.child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.child);
    this.child.once('exit', () => live.delete(this.child));
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString('utf8'));
      if (this.output.length > 400) this.output.splice(0, this.output.length - 400);
      if (process.env.XEENET_E2E_VERBOSE) process.stderr.write(`[${name}] ${chunk.toString('utf8')}`);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  tail(lines = 40): string {
    return this.output.join('').split('\n').slice(-lines).join('\n');
  }

  async stop(graceMs = 5000): Promise<void> {
    if (!this.running || this.child.pid === undefined) return;
    const group = -this.child.pid;
    try {
      process.kill(group, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(group, 'SIGKILL');
      } catch {
        // already gone
      }
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
    try {
      process.kill(group, 'SIGKILL');
    } catch {
      // the whole group is gone
    }
  }
}

export interface Api {
  url: string;
  adminToken: string;
  process: Managed;
  dataDir: string;
  stop(): Promise<void>;
}

export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

export async function startApi(options: { webDist?: string; env?: Record<string, string> } = {}): Promise<Api> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'xeenet-web-e2e-api-'));
  const adminToken = `e2e-admin-${randomBytes(18).toString('hex')}`;
  const shared = sharedDataDir();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    XEENET_DATA_DIR: dataDir,
    XEENET_ADMIN_TOKEN: adminToken,
    XEENET_FETCH_DATASETS: 'false',
    XEENET_WEB_DIST: options.webDist ?? path.join(webDir, 'dist'),
    XEENET_LOG_LEVEL: 'warn',
    // A simulated fleet of strangers' workers: results are paid at once (verification has its own tests).
    XEENET_VERIFICATION: 'off',
    ...(shared ? { XEENET_DATASETS_DIR: shared } : {}),
    ...options.env,
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const api = new Managed('api', process.execPath, [path.join(repoDir, 'api', 'src', 'main.ts')], env);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      'the API /healthz',
      async () => {
        if (!api.running) throw new Error(`the API exited:\n${api.tail()}`);
        const response = await fetch(`${url}/healthz`);
        return response.ok;
      },
      90_000,
      250,
    );
  } catch (error) {
    await api.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    adminToken,
    process: api,
    dataDir,
    async stop() {
      await api.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A GraphQL call; throws on transport or GraphQL errors. */
export async function gql<T = Record<string, unknown>>(url: string, token: string | null, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (!response.ok || body.errors?.length || !body.data) {
    throw new Error(`GraphQL failed (HTTP ${response.status}): ${body.errors?.map((e) => e.message).join('; ') ?? 'no data'}`);
  }
  return body.data;
}

export async function createResearcher(api: Api, name: string): Promise<string> {
  const data = await gql<{ createAccount: { __typename: string; data?: { token: string }; message?: string } }>(
    api.url,
    api.adminToken,
    `mutation($input: CreateAccountInput!) { createAccount(input: $input) {
      __typename ... on MutationCreateAccountSuccess { data { token } } ... on Error { message } } }`,
    { input: { name, role: 'RESEARCHER' } },
  );
  if (!data.createAccount.data) throw new Error(`createAccount: ${data.createAccount.message}`);
  return data.createAccount.data.token;
}

export interface Worker {
  process: Managed;
  home: string;
  stop(): Promise<void>;
}

/** A real worker (real PyTorch) from worker/bin, its config and caches in a temp folder. */
export function startWorker(serverUrl: string, name: string, slots = 1): Worker {
  const home = mkdtempSync(path.join(os.tmpdir(), 'xeenet-web-e2e-worker-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XEENET_WORKER_HOME: home,
    XEENET_PYTHON: process.env.XEENET_PYTHON ?? '/usr/bin/python3',
    XEENET_LOG_FORMAT: 'json',
    NO_COLOR: '1',
  };
  delete env.XEENET_TOKEN;
  delete env.XEENET_SERVER;
  const worker = new Managed(
    'worker',
    process.execPath,
    [path.join(repoDir, 'worker', 'bin', 'xeenet-worker.js'), 'start', '--server', serverUrl, '--name', name, '--slots', String(slots), '--no-install'],
    env,
  );
  return {
    process: worker,
    home,
    async stop() {
      await worker.stop(10_000);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors, as they happened. */
  problems: string[];
  close(): Promise<void>;
}

export const CHROMIUM = process.env.XEENET_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(viewport = { width: 1280, height: 900 }): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (npm run deps:system) or set XEENET_CHROMIUM`);
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'xeenet-web-e2e-chromium-'));
  // A persistent context is how playwright takes a fresh --user-data-dir.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport,
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.stack ?? error.message}`));
  return {
    context,
    page,
    problems,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export function ensureResultsDir(): string {
  mkdirSync(resultsDir, { recursive: true });
  return resultsDir;
}
