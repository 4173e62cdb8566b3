// The real API as a separate process (`node src/main.ts`), for tests that kill or stop a replica.
// It listens on a port of its own choosing (PORT=0); the URL comes from its "listening" log line.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, FIXTURE_SCRIPTS, TEST_REDIS_PREFIX } from './env.ts';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/main.ts');

export interface ApiProcess {
  url: string;
  graphqlUrl: string;
  child: ChildProcess;
  /** Everything it printed, stdout and stderr interleaved. */
  output: string[];
  /** Sends the signal and waits for the exit; resolves with the exit code (null when killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function spawnApi(env: Record<string, string>): Promise<ApiProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmpdir(),
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      XEENET_LOG_LEVEL: 'info',
      XEENET_VERIFICATION: 'off',
      // Many simulated machines register from one address here; the limits have their own test.
      XEENET_REGISTRATION_PER_ADDRESS_BURST: '1000000',
      XEENET_REGISTRATION_GLOBAL_BURST: '1000000',
      XEENET_FETCH_DATASETS: 'false',
      XEENET_ADMIN_TOKEN: ADMIN_TOKEN,
      XEENET_TRAINING_SCRIPTS_DIR: FIXTURE_SCRIPTS,
      XEENET_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'xeenet-replica-')),
      XEENET_REDIS_PREFIX: TEST_REDIS_PREFIX,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      const match = /"msg":"XeeNet API listening","url":"([^"]+)"/.exec(output.join(''));
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    void exited.then((code) => reject(new Error(`the API exited with ${code} before listening:\n${output.join('').slice(-3000)}`)));
  });
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    child,
    output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
