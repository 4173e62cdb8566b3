// One task process: spawned early (warm: its interpreter imports torch while the previous task
// still trains), handed its config later (`start`), then held to its budget: SIGTERM to the script
// at budget_s and SIGKILL at budget_s + 15 s, both counted from the handoff. stdout is read as JSON
// lines (progress, then one result or error); the bootstrap reports on fd 3 (ready, started, exit).
//
// The command is the bootstrap (src/python/bootstrap.ts), directly or inside bubblewrap, never a
// shell. It runs in its own process group; fd 0 is its control channel. No orphans: when the worker
// dies (even by kill -9) the control channel ends and the guard SIGKILLs the group, told at once
// by PR_SET_PDEATHSIG when it is the worker's child; in a sandbox, bwrap's --die-with-parent and
// the PID namespace take everything down with it. While the worker lives, it kills the whole group
// itself when a run ends, is aborted, or the worker exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { MAX_TAIL_BYTES, reportableTail } from '@xeenet/contract';
import { nowMs } from './log.ts';
import { classifyLine, type LineKind, LineSplitter, parseProgress, type Progress } from './stdout-protocol.ts';
import { ByteTail } from './util/tail.ts';

export { classifyLine, parseProgress, type Progress };

export const KILL_GRACE_S = 15;
/** After the handoff, how long the interpreter may still take to start the script (it finishes
 * importing torch first when it was handed the config before it was ready). */
export const START_TIMEOUT_S = 120;
const STREAM_DRAIN_MS = 2000;

export interface Launch {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface Handoff {
  config: Record<string, unknown>;
  budgetS: number;
  killGraceS?: number;
  startTimeoutS?: number;
}

export interface ReadyEvent {
  /** From the spawn to ready: what a warm start must be started this much ahead for. */
  sinceSpawnMs: number;
  preloadS: number | null;
  preloadError: string | null;
  limits: Record<string, unknown>;
}

export interface ProcessReport {
  pid: number | null;
  spawnedAtMs: number;
  /** When the bootstrap said it was ready (preload imported), when the worker handed it the task,
   * and when the script's process said it had started (the budget clock's start). */
  readyAtMs: number | null;
  handoffAtMs: number | null;
  startedAtMs: number | null;
  exitedAtMs: number;
  /** Seconds from the handoff (from the spawn if there was none) to the exit, as the worker measured them. */
  wallS: number;
  budgetS: number | null;
  preloadS: number | null;
  preloadError: string | null;
  /** The limits the bootstrap set, as it reported them. */
  limits: Record<string, unknown> | null;
  /** Worker clock when the first progress line arrived. */
  firstProgressAtMs: number | null;
  /** The handoff went unanswered for START_TIMEOUT_S: killed. */
  startTimedOut: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  spawnError: string | null;
  /** Seconds after the handoff when the worker sent SIGTERM / SIGKILL, if it did. */
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

export interface TaskProcessHooks {
  onSpawn?(pid: number): void;
  onProgress?(progress: Progress): void;
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]));

export class TaskProcess {
  readonly done: Promise<ProcessReport>;
  /** Resolves when the interpreter is ready for the handoff, or with null when it ended first. */
  readonly ready: Promise<ReadyEvent | null>;
  /** Resolves with the handoff's time once the interpreter took it, or null when it ended first. */
  readonly started: Promise<number | null>;
  private child: ChildProcess | null = null;
  private readonly report: ProcessReport;
  private timers: NodeJS.Timeout[] = [];
  private pgid: number | null = null;
  private hasExited = false;
  private handoff: Handoff | null = null;
  private markReady: (event: ReadyEvent | null) => void = () => {};
  private markStarted: (atMs: number | null) => void = () => {};
  /** What the bootstrap reported about the script's end (it exits the same way). */
  private exitEvent: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(launch: Launch, hooks: TaskProcessHooks = {}) {
    installExitHook();
    this.report = {
      pid: null,
      spawnedAtMs: nowMs(),
      readyAtMs: null,
      handoffAtMs: null,
      startedAtMs: null,
      exitedAtMs: 0,
      wallS: 0,
      budgetS: null,
      preloadS: null,
      preloadError: null,
      limits: null,
      firstProgressAtMs: null,
      startTimedOut: false,
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
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.started = new Promise((resolve) => (this.markStarted = resolve));
    this.done = this.spawn(launch, hooks);
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

  /** When the script was handed its config (its budget clock starts there), or null. */
  get startedAtMs(): number | null {
    return this.report.startedAtMs;
  }

  /** True once the process exited (its output may still be draining). */
  get exited(): boolean {
    return this.hasExited;
  }

  /**
   * The handoff: passes the config to the waiting interpreter, which starts the script (at once
   * when it is ready, else as soon as it is). Deadlines count from its answer. At most once.
   */
  start(handoff: Handoff): void {
    if (this.handoff) throw new Error('a task process is started only once');
    this.handoff = handoff;
    this.report.budgetS = handoff.budgetS;
    this.report.handoffAtMs = nowMs();
    if (this.hasExited || !this.child?.stdin) return;
    this.child.stdin.write(`${JSON.stringify({ go: handoff.config })}\n`);
    const timeoutMs = (handoff.startTimeoutS ?? START_TIMEOUT_S) * 1000;
    this.timers.push(
      setTimeout(() => {
        if (this.report.startedAtMs !== null || this.hasExited) return;
        this.report.startTimedOut = true;
        this.signalGroup('SIGKILL');
      }, timeoutMs),
    );
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
   * Runs fn once `ms` have passed since the handoff. Node's timers run on the event loop's cached
   * clock and can fire a few ms early; the deadline is re-checked so a signal never precedes it.
   */
  private at(ms: number, fn: () => void): void {
    const check = () => {
      const left = ms - (nowMs() - this.report.startedAtMs!);
      if (left > 0) this.timers.push(setTimeout(check, Math.max(1, left)));
      else fn();
    };
    this.timers.push(setTimeout(check, ms));
  }

  private elapsedS(): number {
    return (nowMs() - (this.report.startedAtMs ?? this.report.spawnedAtMs)) / 1000;
  }

  /** SIGTERM goes to the script through the guard (which ignores it); SIGKILL to the whole group. */
  private signalGroup(signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.pgid === null || this.hasExited) return;
    if (signal === 'SIGTERM') {
      if (this.report.termSentAtS === null) this.report.termSentAtS = this.elapsedS();
      this.child?.stdin?.write(`${JSON.stringify({ signal: 'TERM' })}\n`);
      return;
    }
    if (this.report.killSentAtS === null && this.report.startedAtMs !== null) this.report.killSentAtS = this.elapsedS();
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

  private onEvent(event: Record<string, unknown>): void {
    const report = this.report;
    if (event.event === 'ready' && report.readyAtMs === null) {
      report.readyAtMs = nowMs();
      report.preloadS = typeof event.preload_s === 'number' ? event.preload_s : null;
      report.preloadError = typeof event.preload_error === 'string' ? event.preload_error : null;
      report.limits = typeof event.limits === 'object' && event.limits !== null ? (event.limits as Record<string, unknown>) : null;
      this.markReady({ sinceSpawnMs: report.readyAtMs - report.spawnedAtMs, preloadS: report.preloadS, preloadError: report.preloadError, limits: report.limits ?? {} });
    } else if (event.event === 'started' && report.startedAtMs === null && this.handoff) {
      report.startedAtMs = nowMs();
      const budgetMs = this.handoff.budgetS * 1000;
      this.at(budgetMs, () => this.signalGroup('SIGTERM'));
      this.at(budgetMs + (this.handoff.killGraceS ?? KILL_GRACE_S) * 1000, () => this.signalGroup('SIGKILL'));
      this.markStarted(report.startedAtMs);
    } else if (event.event === 'exit') {
      const signal = typeof event.signal === 'number' ? (SIGNAL_NAMES.get(event.signal) ?? null) : null;
      this.exitEvent = { code: typeof event.code === 'number' ? event.code : null, signal };
    }
  }

  private spawn(launch: Launch, hooks: TaskProcessHooks): Promise<ProcessReport> {
    const report = this.report;
    const stdoutTail = new ByteTail(MAX_TAIL_BYTES);
    const stderrTail = new ByteTail(MAX_TAIL_BYTES);
    const stdout = new LineSplitter((line) => handleLine(line), () => handleOverlong());
    const events = new LineSplitter(
      (line) => {
        try {
          const event = JSON.parse(line) as unknown;
          if (typeof event === 'object' && event !== null) this.onEvent(event as Record<string, unknown>);
        } catch {
          // not an event: ignored
        }
      },
      () => {},
    );

    const handleLine = (raw: string) => {
      const text = raw.trim();
      if (!text) return;
      const { kind, value } = classifyLine(text);
      report.lastLine = text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
      report.lastLineKind = kind;
      if (kind === 'progress' && value) {
        report.progressLines++;
        report.firstProgressAtMs ??= nowMs();
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
    const handleOverlong = () => {
      report.garbageLines++;
      report.lastLine = '(a line longer than 1 MiB)';
      report.lastLineKind = 'garbage';
      report.firstGarbage ??= report.lastLine;
    };

    return new Promise<ProcessReport>((resolve) => {
      let child: ChildProcess;
      let finished = false;
      const ended = () => {
        this.hasExited = true;
        report.exitedAtMs = nowMs();
        report.wallS = (report.exitedAtMs - (report.startedAtMs ?? report.spawnedAtMs)) / 1000;
      };
      const finish = () => {
        if (finished) return;
        finished = true;
        for (const timer of this.timers) clearTimeout(timer);
        this.timers = [];
        if (this.pgid !== null) liveGroups.delete(this.pgid);
        stdout.flush();
        events.flush();
        if (this.exitEvent) {
          report.exitCode = this.exitEvent.code;
          report.signal = this.exitEvent.signal;
        }
        // The contract's safe form: a NUL the script printed must not make the report unstorable.
        report.stdoutTail = reportableTail(stdoutTail.text());
        report.stderrTail = reportableTail(stderrTail.text());
        this.child?.stdin?.destroy();
        this.markReady(null);
        this.markStarted(null);
        resolve(report);
      };
      try {
        child = spawn(launch.command, launch.args, {
          cwd: launch.cwd,
          env: launch.env,
          shell: false,
          detached: true,
          stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
          windowsHide: true,
        });
      } catch (error) {
        report.spawnError = (error as Error).message;
        ended();
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
      }
      // The control channel: writes after the process ended fail with EPIPE, which changes nothing.
      child.stdin!.on('error', () => {});
      child.stdout!.on('data', (chunk: Buffer) => {
        stdoutTail.push(chunk);
        stdout.push(chunk);
      });
      child.stderr!.on('data', (chunk: Buffer) => stderrTail.push(chunk));
      (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => events.push(chunk));

      let exited = false;
      let closed = false;
      child.once('error', (error: NodeJS.ErrnoException) => {
        // Spawn failures (ENOENT, EACCES) arrive here without an 'exit'.
        if (exited) return;
        report.spawnError = `${error.code ?? 'error'}: ${error.message}`;
        exited = true;
        ended();
        finish();
      });
      child.once('exit', (code, signal) => {
        exited = true;
        ended();
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
