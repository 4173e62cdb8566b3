// Runs the real CLI (`bin/xeenet-worker.js`) as a separate process with its own home folder, and
// reads its JSON log lines.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { WORKER_BIN } from './paths.ts';
import { waitUntil } from './wait.ts';
import { tempDir } from './temp.ts';

export type LogLine = Record<string, any> & { time: string; msg: string; level: string };

export interface WorkerProcess {
  proc: ChildProcess;
  home: string;
  logs: LogLine[];
  stdout(): string;
  stderr(): string;
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs: number, what?: string): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  signal(signal: NodeJS.Signals): void;
}

/**
 * A minimal environment: no XEENET_* from the test runner leaks into the worker. The local page is
 * off unless a test asks for it (XEENET_PAGE_PORT or --page-port), so workers never race for its port.
 */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR']) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return { ...env, XEENET_PAGE_PORT: '0', ...extra };
}

export function newHome(): string {
  return tempDir('xeenet-worker-home-');
}

export function runCli(args: string[], options: { env?: Record<string, string> } = {}): WorkerProcess {
  const proc = spawn(process.execPath, [WORKER_BIN, ...args], {
    env: options.env ?? baseEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let out = '';
  let err = '';
  let partial = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    out += text;
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
  });
  proc.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const homeIndex = args.indexOf('--home');
  return {
    proc,
    home: homeIndex >= 0 ? args[homeIndex + 1]! : '',
    logs,
    stdout: () => out,
    stderr: () => err,
    waitForLog: (predicate, timeoutMs, what = 'a log line') =>
      waitUntil(
        () => {
          const found = logs.find(predicate);
          if (found) return found;
          if (proc.exitCode !== null) throw new Error(`the worker exited (${proc.exitCode}) before ${what}:\n${err}\n${out.slice(-3000)}`);
          return null;
        },
        timeoutMs,
        what,
        50,
      ),
    exited,
    signal: (signal) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
  };
}

export interface StartWorkerOptions {
  server: string;
  home?: string;
  args?: string[];
  env?: Record<string, string>;
}

export function startWorker(options: StartWorkerOptions): WorkerProcess {
  const home = options.home ?? newHome();
  return runCli(['start', '--server', options.server, '--home', home, '--log-format', 'json', ...(options.args ?? [])], {
    env: baseEnv(options.env),
  });
}

/** Is a process with this pid still there (and not a zombie)? */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie (exited, not yet reaped) no longer runs: /proc/<pid>/stat says state Z.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
