// The local worker `npm start` runs beside the API: the real xeenet-worker CLI (real PyTorch), as a
// child process with its own folders under the data folder, its lines prefixed in this terminal.
//
// It runs in a process group of its own (detached), so the terminal's Ctrl-C reaches only the
// launcher, which forwards exactly one signal per press. On Linux it is started through
// `setpriv --pdeathsig KILL`: if the launcher itself dies (kill -9), the kernel kills the worker,
// and the worker's task guards kill its Python in turn; nothing is left behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const WORKER_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../worker/bin/xeenet-worker.js');
const SETPRIV = '/usr/bin/setpriv';

export interface LocalWorkerOptions {
  server: string;
  /** The worker's folders (config, cache, data, state): it registers once and reuses them. */
  home: string;
  /** Registers the machine under this account (its credits go there); null: a new volunteer account. */
  accountToken: string | null;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Where each line the worker prints goes (already prefixed). */
  print(line: string): void;
  prefix: string;
}

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class LocalWorker {
  readonly exited: Promise<WorkerExit>;
  private readonly child: ChildProcess;
  private done = false;

  private constructor(child: ChildProcess, options: LocalWorkerOptions) {
    this.child = child;
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => options.print(`${options.prefix}${line}`));
    }
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.done = true;
        options.print(`${options.prefix}cannot start: ${error.message}`);
        resolve({ code: 1, signal: null });
      });
      child.once('exit', (code, signal) => {
        this.done = true;
        resolve({ code, signal });
      });
    });
  }

  static start(options: LocalWorkerOptions): LocalWorker {
    const args = [
      WORKER_BIN,
      'start',
      '--server',
      options.server,
      '--home',
      options.home,
      '--log-format',
      'pretty',
      '--log-level',
      options.logLevel,
    ];
    // The token goes through the environment, not argv (other users can read argv in ps).
    const env: NodeJS.ProcessEnv = { ...process.env, XEENET_TOKEN: options.accountToken ?? undefined };
    delete env.XEENET_LOG_LEVEL;
    delete env.XEENET_LOG_FORMAT;
    const command = process.platform === 'linux' && existsSync(SETPRIV) ? SETPRIV : process.execPath;
    const argv = command === SETPRIV ? ['--pdeathsig', 'KILL', '--', process.execPath, ...args] : args;
    const child = spawn(command, argv, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    return new LocalWorker(child, options);
  }

  get running(): boolean {
    return !this.done;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Forwards one stop signal (the worker counts them: first finish, second abort). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Kills the worker's whole process group at once (its task guards then kill their Python). */
  kill(): void {
    if (!this.running || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
  }
}
