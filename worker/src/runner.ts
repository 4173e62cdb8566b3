// Runs one training script: `python -c BOOTSTRAP <worker pid> <prctl 1|0> script.py config.json`
// without a shell, in its own process group and working folder, with a scrubbed environment.
// SIGTERM at budget_s, SIGKILL at budget_s + 15 s; stdout is read as JSON lines (progress, then one
// result or error).
//
// No orphans: the process the worker starts leads the task's process group and only guards it; the
// script runs in a child it forks. When the worker dies (even by kill -9) the guard SIGKILLs the
// whole group — the script and whatever it started (multiprocessing, subprocess) — told by
// PR_SET_PDEATHSIG on Linux, or by a parent-pid watchdog elsewhere. While the worker lives, it kills
// the whole group itself when a run ends, is aborted, or the worker exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { MAX_TAIL_BYTES, reportableTail } from '@xeenet/contract';
import { nowMs } from './log.ts';
import { ByteTail } from './util/tail.ts';

export const KILL_GRACE_S = 15;
const MAX_LINE_BYTES = 1024 * 1024;
const STREAM_DRAIN_MS = 2000;

/**
 * Started with `python -c`; argv: worker pid, 1 to arm PR_SET_PDEATHSIG (0: watchdog only, for
 * tests), script path, config path. The guard ignores SIGTERM (the script gets it from the group
 * signal) and exits the way the script did, so the worker sees the script's exit code or signal.
 */
export const BOOTSTRAP_SOURCE = `
import os, signal, sys, threading, time
def _xeenet_guard(worker, use_prctl):
    def kill_group(*_):
        try:
            os.killpg(os.getpgrp(), signal.SIGKILL)
        finally:
            os._exit(137)
    libc = None
    armed = False
    if use_prctl and sys.platform.startswith("linux"):
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            signal.signal(signal.SIGUSR1, kill_group)
            if libc.prctl(1, int(signal.SIGUSR1), 0, 0, 0) == 0:  # PR_SET_PDEATHSIG
                armed = True
            else:
                sys.stderr.write("xeenet bootstrap: prctl(PR_SET_PDEATHSIG) failed, errno %d\\n" % ctypes.get_errno())
        except Exception as exc:
            sys.stderr.write("xeenet bootstrap: cannot arm PR_SET_PDEATHSIG: %s\\n" % exc)
    if os.getppid() != worker:
        kill_group()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    guard = os.getpid()
    child = os.fork()
    if child == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGUSR1, signal.SIG_DFL)
        if libc is not None:
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # die with the guard
        if os.getppid() != guard:
            os._exit(137)
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not armed:
        def watch():
            while True:
                time.sleep(0.5)
                if os.getppid() != worker:
                    kill_group()
        threading.Thread(target=watch, name="xeenet-parent-watch", daemon=True).start()
    status = os.waitpid(child, 0)[1]
    if os.WIFSIGNALED(status):
        code = os.WTERMSIG(status)
        try:
            signal.signal(code, signal.SIG_DFL)
        except (OSError, ValueError, RuntimeError):
            pass
        os.kill(os.getpid(), code)
        os._exit(128 + code)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)
_xeenet_guard(int(sys.argv[1]), sys.argv[2] == "1")
del _xeenet_guard
_script = os.path.abspath(sys.argv[3])
sys.argv = [_script] + sys.argv[4:]
sys.path[0] = os.path.dirname(_script)
import runpy
runpy.run_path(_script, run_name="__main__")
`;

export interface Progress {
  step: number | null;
  trainLoss: number | null;
  elapsedS: number | null;
}

export interface RunSpec {
  python: string;
  script: string;
  config: string;
  cwd: string;
  env: Record<string, string>;
  budgetS: number;
  killGraceS?: number;
  /** Arm PR_SET_PDEATHSIG on Linux (default); false leaves only the watchdog (tests). */
  parentDeathSignal?: boolean;
}

export type LineKind = 'progress' | 'result' | 'error' | 'garbage';

export interface ProcessReport {
  pid: number | null;
  spawnedAtMs: number;
  exitedAtMs: number;
  /** Seconds from spawn to exit, as the worker measured them. */
  wallS: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  spawnError: string | null;
  /** Seconds after spawn when the worker sent SIGTERM / SIGKILL, if it did. */
  termSentAtS: number | null;
  killSentAtS: number | null;
  abortReason: string | null;
  resultLines: Record<string, unknown>[];
  errorLine: Record<string, unknown> | null;
  lastLine: string | null;
  lastLineKind: LineKind | null;
  garbageLines: number;
  firstGarbage: string | null;
  progressLines: number;
  lastProgress: Progress | null;
  stdoutTail: string;
  stderrTail: string;
}

// Process groups of running tasks: killed synchronously if the worker exits for any reason.
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllTaskGroups);
}

/** SIGKILLs every running task's process group (synchronous; safe in an 'exit' handler). */
export function killAllTaskGroups(): void {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  liveGroups.clear();
}

export function runningTaskGroups(): number {
  return liveGroups.size;
}

function finiteOrNull(value: unknown, min = -Infinity): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= min ? value : null;
}

/** The progress fields the API accepts, from a script's progress line; junk becomes null. */
export function parseProgress(line: Record<string, unknown>): Progress {
  const step = finiteOrNull(line.step, 0);
  return {
    step: step !== null && Number.isInteger(step) && step <= 2 ** 31 - 1 ? step : null,
    trainLoss: finiteOrNull(line.train_loss),
    elapsedS: finiteOrNull(line.elapsed_s, 0),
  };
}

/** Classifies one stdout line; objects with type progress/result/error are protocol lines. */
export function classifyLine(text: string): { kind: LineKind; value: Record<string, unknown> | null } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'garbage', value: null };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'garbage', value: null };
  const type = (value as { type?: unknown }).type;
  if (type === 'progress' || type === 'result' || type === 'error') return { kind: type, value: value as Record<string, unknown> };
  return { kind: 'garbage', value: null };
}

export interface TaskProcessHooks {
  onSpawn?(pid: number): void;
  onProgress?(progress: Progress): void;
}

export class TaskProcess {
  readonly done: Promise<ProcessReport>;
  private child: ChildProcess | null = null;
  private readonly report: ProcessReport;
  private timers: NodeJS.Timeout[] = [];
  private pgid: number | null = null;
  private hasExited = false;

  constructor(spec: RunSpec, hooks: TaskProcessHooks = {}) {
    installExitHook();
    this.report = {
      pid: null,
      spawnedAtMs: nowMs(),
      exitedAtMs: 0,
      wallS: 0,
      exitCode: null,
      signal: null,
      spawnError: null,
      termSentAtS: null,
      killSentAtS: null,
      abortReason: null,
      resultLines: [],
      errorLine: null,
      lastLine: null,
      lastLineKind: null,
      garbageLines: 0,
      firstGarbage: null,
      progressLines: 0,
      lastProgress: null,
      stdoutTail: '',
      stderrTail: '',
    };
    this.done = this.start(spec, hooks);
  }

  get pid(): number | null {
    return this.report.pid;
  }

  get progress(): Progress | null {
    return this.report.lastProgress;
  }

  get spawnedAtMs(): number {
    return this.report.spawnedAtMs;
  }

  /** True once the process exited (its output may still be draining). */
  get exited(): boolean {
    return this.hasExited;
  }

  /**
   * Kills the task now (its whole process group, SIGKILL); the report says why. Ignored once the
   * process exited: its result stands (a late stop must not turn a finished run into a release).
   */
  abort(reason: string): void {
    if (this.hasExited) return;
    if (this.report.abortReason === null) this.report.abortReason = reason;
    this.signalGroup('SIGKILL');
  }

  /**
   * Runs fn once `ms` have passed since spawn. Node's timers run on the event loop's cached clock
   * and can fire a few ms early; the deadline is re-checked so a signal never precedes it.
   */
  private at(ms: number, fn: () => void): void {
    const check = () => {
      const left = ms - (nowMs() - this.report.spawnedAtMs);
      if (left > 0) this.timers.push(setTimeout(check, Math.max(1, left)));
      else fn();
    };
    this.timers.push(setTimeout(check, ms));
  }

  private elapsedS(): number {
    return (nowMs() - this.report.spawnedAtMs) / 1000;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.pgid === null) return;
    if (signal === 'SIGTERM' && this.report.termSentAtS === null) this.report.termSentAtS = this.elapsedS();
    if (signal === 'SIGKILL' && this.report.killSentAtS === null) this.report.killSentAtS = this.elapsedS();
    try {
      process.kill(-this.pgid, signal);
    } catch {
      try {
        this.child?.kill(signal);
      } catch {
        // already gone
      }
    }
  }

  private start(spec: RunSpec, hooks: TaskProcessHooks): Promise<ProcessReport> {
    const report = this.report;
    const stdoutTail = new ByteTail(MAX_TAIL_BYTES);
    const stderrTail = new ByteTail(MAX_TAIL_BYTES);
    let partial: Buffer[] = [];
    let partialBytes = 0;
    let overlong = false;

    const handleLine = (raw: string) => {
      const text = raw.trim();
      if (!text) return;
      const { kind, value } = classifyLine(text);
      report.lastLine = text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
      report.lastLineKind = kind;
      if (kind === 'progress' && value) {
        report.progressLines++;
        report.lastProgress = parseProgress(value);
        hooks.onProgress?.(report.lastProgress);
      } else if (kind === 'result' && value) {
        report.resultLines.push(value);
      } else if (kind === 'error' && value) {
        report.errorLine = value;
      } else {
        report.garbageLines++;
        report.firstGarbage ??= report.lastLine;
      }
    };
    const onStdout = (chunk: Buffer) => {
      stdoutTail.push(chunk);
      let start = 0;
      for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, index);
        if (overlong) {
          overlong = false;
          report.garbageLines++;
          report.lastLine = '(a line longer than 1 MiB)';
          report.lastLineKind = 'garbage';
          report.firstGarbage ??= report.lastLine;
        } else {
          handleLine(Buffer.concat([...partial, piece]).toString('utf8'));
        }
        partial = [];
        partialBytes = 0;
        start = index + 1;
      }
      const rest = chunk.subarray(start);
      if (rest.length && !overlong) {
        partial.push(rest);
        partialBytes += rest.length;
        if (partialBytes > MAX_LINE_BYTES) {
          overlong = true;
          partial = [];
          partialBytes = 0;
        }
      }
    };

    return new Promise<ProcessReport>((resolve) => {
      let child: ChildProcess;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        for (const timer of this.timers) clearTimeout(timer);
        this.timers = [];
        if (this.pgid !== null) liveGroups.delete(this.pgid);
        if (partial.length && !overlong) handleLine(Buffer.concat(partial).toString('utf8'));
        // The contract's safe form: a NUL the script printed must not make the report unstorable.
        report.stdoutTail = reportableTail(stdoutTail.text());
        report.stderrTail = reportableTail(stderrTail.text());
        resolve(report);
      };
      try {
        const prctl = spec.parentDeathSignal === false ? '0' : '1';
        child = spawn(spec.python, ['-c', BOOTSTRAP_SOURCE, String(process.pid), prctl, spec.script, spec.config], {
          cwd: spec.cwd,
          env: spec.env,
          shell: false,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
          windowsHide: true,
        });
      } catch (error) {
        report.spawnError = (error as Error).message;
        this.hasExited = true;
        report.exitedAtMs = nowMs();
        finish();
        return;
      }
      this.child = child;
      report.spawnedAtMs = nowMs();
      if (child.pid !== undefined) {
        report.pid = child.pid;
        this.pgid = child.pid;
        liveGroups.add(child.pid);
        hooks.onSpawn?.(child.pid);
        const budgetMs = spec.budgetS * 1000;
        this.at(budgetMs, () => this.signalGroup('SIGTERM'));
        this.at(budgetMs + (spec.killGraceS ?? KILL_GRACE_S) * 1000, () => this.signalGroup('SIGKILL'));
      }
      child.stdout!.on('data', onStdout);
      child.stderr!.on('data', (chunk: Buffer) => stderrTail.push(chunk));

      let exited = false;
      let closed = false;
      child.once('error', (error: NodeJS.ErrnoException) => {
        // Spawn failures (ENOENT, EACCES) arrive here without an 'exit'.
        if (exited) return;
        report.spawnError = `${error.code ?? 'error'}: ${error.message}`;
        this.hasExited = true;
        report.exitedAtMs = nowMs();
        report.wallS = (report.exitedAtMs - report.spawnedAtMs) / 1000;
        exited = true;
        finish();
      });
      child.once('exit', (code, signal) => {
        exited = true;
        this.hasExited = true;
        report.exitedAtMs = nowMs();
        report.wallS = (report.exitedAtMs - report.spawnedAtMs) / 1000;
        report.exitCode = code;
        report.signal = signal;
        // Anything the script left behind in its group goes with it.
        if (this.pgid !== null) {
          try {
            process.kill(-this.pgid, 'SIGKILL');
          } catch {
            // the group is empty: nothing left behind
          }
        }
        if (closed) return finish();
        const drain = setTimeout(finish, STREAM_DRAIN_MS);
        child.once('close', () => {
          clearTimeout(drain);
          finish();
        });
      });
      child.once('close', () => {
        closed = true;
      });
    });
  }
}
