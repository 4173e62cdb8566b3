// Starts the API as a separate process, so benchmark clients never share its event loop.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const apiRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ApiProcess {
  url: string;
  graphqlUrl: string;
  adminToken: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const adminToken = `xn_bench_admin_${Math.random().toString(36).slice(2)}_0000000000`;
  const nodeArgs = (process.env.XEENET_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(apiRoot, 'src/main.ts')], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      NODE_ENV: 'production',
      XEENET_LOG_LEVEL: 'warn',
      // Dispatch is measured without replication (bench:verify measures its overhead).
      XEENET_VERIFICATION: 'off',
      // Many simulated machines register from one address here; the limits have their own test.
      XEENET_REGISTRATION_PER_ADDRESS_BURST: '1000000',
      XEENET_REGISTRATION_GLOBAL_BURST: '1000000',
      XEENET_FETCH_DATASETS: 'false',
      XEENET_ADMIN_TOKEN: adminToken,
      XEENET_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'xeenet-bench-')),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the API exited with code ${code} before it was ready`));
    child.once('exit', onExit);
    const poll = async () => {
      try {
        if ((await fetch(`${url}/healthz`)).ok) {
          child.off('exit', onExit);
          return resolve();
        }
      } catch {
        // not listening yet
      }
      setTimeout(poll, 100);
    };
    void poll();
  });
  child.stdout?.resume();
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    adminToken,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
