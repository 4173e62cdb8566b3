// One attempt at a task behind one interface the slot drives (the simulated one: simulation.ts). A real attempt
// starts as a warm interpreter (`Executor.warm`): the bootstrap, sandboxed or not, importing torch
// while the slot's previous task still trains; `start` hands it one prepared task and its budget
// clock starts there. An interpreter serves one task at most, and one never started is killed.
import { chown, copyFile, link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { nowMs } from './log.ts';
import { classify, type Outcome } from './outcome.ts';
import type { PreparedTask } from './preparation.ts';
import { BOOTSTRAP_SOURCE, type BootstrapOptions } from './python/bootstrap.ts';
import type { PythonRuntime } from './python/discover.ts';
import { taskEnvironment } from './python/task-env.ts';
import { type Launch, type ProcessReport, type Progress, type ReadyEvent, TaskProcess } from './runner.ts';
import { bwrapArgs, DATA_DIR, isWithin, type RunFolders, SCRIPT_DIR, SYNTHETIC_ETC, syntheticEtc, TASK_DIR } from './sandbox/bwrap.ts';
import type { SandboxHost } from './sandbox/host.ts';
import type { ResourceLimits } from './sandbox/limits.ts';
import { ensurePrivateDir } from './util/fs.ts';

export interface RunEnd {
  outcome: Outcome;
  /** Why the worker killed it (shutdown, cancelled, lease lost), or null. */
  aborted: string | null;
  pid: number | null;
  spawnedAtMs: number;
  /** The handoff (the budget clock's start); the spawn when there was none. */
  startedAtMs: number;
  exitedAtMs: number;
  wallS: number;
  exitCode: number | null;
  signal: string | null;
  report: ProcessReport | null;
}

export interface RunHandle {
  readonly pid: number | null;
  readonly progress: Progress | null;
  /** When the budget clock started (the handoff), once it has. */
  readonly startedAtMs: number;
  /** The handoff, confirmed by the interpreter (its time), or null when it ended first. */
  readonly started: Promise<number | null>;
  /** True once the process exited (its output may still be draining). */
  readonly exited: boolean;
  abort(reason: string): void;
  readonly done: Promise<RunEnd>;
}

/** An interpreter waiting for its task. */
export interface WarmRun {
  /** The run's folder on this machine (work/, script/, data/, etc/), or null when simulated. */
  readonly folder: string | null;
  /** The interpreter finished its imports (null: it ended first, e.g. the sandbox failed). */
  readonly ready: Promise<ReadyEvent | null>;
  /** False once its process has ended (a warm interpreter that died waiting is of no use). */
  readonly alive: boolean;
  /** The CPU threads its BLAS and OpenMP were set up for before torch loaded (null: simulated). */
  readonly threads: number | null;
  /** Hands it the task: its script, dataset and config. Once. */
  start(task: PreparedTask): Promise<RunHandle>;
  /** Kills it if it was never started and removes its folder. */
  discard(reason: string): Promise<void>;
  /** Why it ended before it was ready: the end of its stderr, or its exit status. */
  failureDetail(): Promise<string>;
  /** Removes its folder once its run has ended. */
  cleanup(): Promise<void>;
}

export interface Executor {
  /** A fresh interpreter for slot `slot` (0-based), its BLAS/OpenMP set up for `threads` (default: the task's share). */
  warm(slot: number, threads?: number): Promise<WarmRun>;
}

export interface RealExecutorOptions {
  runtime: PythonRuntime;
  /** The sandbox to run in, or null to run unsandboxed (no sandbox here, --allow-unsandboxed). */
  sandbox: SandboxHost | null;
  limits: ResourceLimits;
  runsDir: string;
  passthroughEnv: Record<string, string>;
  threads: number | null;
  /** Usable cores: the threads of a task that has the machine to itself. */
  cores: number;
  /** Pass the GPU device nodes into the sandbox. */
  gpu: boolean;
  killGraceS: number;
  /** Arm PR_SET_PDEATHSIG in the guard (unsandboxed Linux); false in tests of the fallback. */
  parentDeathSignal: boolean;
  /** Modules imported before the handoff (torch). */
  preload: string[];
  /** As root, sandboxed tasks run as uid/gid base + 2 × slot + 0 or 1 (alternating). */
  sandboxUidBase: number;
  /** Folders never to expose to a task (credentials, state, the user's home). */
  privateDirs: string[];
}

export class RealExecutor implements Executor {
  private readonly options: RealExecutorOptions;
  private launches = 0;

  constructor(options: RealExecutorOptions) {
    this.options = options;
  }

  async warm(slot: number, threads = this.options.threads ?? this.options.cores): Promise<WarmRun> {
    const { runtime, sandbox, limits, runsDir } = this.options;
    const serial = this.launches++;
    const base = path.join(runsDir, `w${slot + 1}-${serial}-${Math.random().toString(16).slice(2, 8)}`);
    const folders: RunFolders = { work: path.join(base, 'work'), script: path.join(base, 'script'), data: path.join(base, 'data'), etc: path.join(base, 'etc') };
    await ensurePrivateDir(runsDir);
    await mkdir(base, { mode: 0o755 });
    await Promise.all([mkdir(folders.work, { mode: 0o700 }), mkdir(folders.script, { mode: 0o755 }), mkdir(folders.data, { mode: 0o755 }), mkdir(folders.etc, { mode: 0o755 })]);

    const dropTo = sandbox?.asRoot ? sandboxIdentity(this.options.sandboxUidBase, slot, serial) : null;
    const uid = dropTo?.uid ?? process.getuid?.() ?? 0;
    const gid = dropTo?.gid ?? process.getgid?.() ?? 0;
    if (dropTo) await chown(folders.work, uid, gid);
    const view = sandbox
      ? { work: TASK_DIR, script: path.posix.join(SCRIPT_DIR, 'script.py'), tmp: '/tmp' }
      : { work: folders.work, script: path.join(folders.script, 'script.py'), tmp: path.join(folders.work, 'tmp') };
    if (!sandbox) await mkdir(view.tmp, { mode: 0o700 });

    const options: BootstrapOptions = {
      worker_pid: sandbox ? 0 : process.pid,
      prctl: !sandbox && this.options.parentDeathSignal,
      user: dropTo,
      cwd: view.work,
      limits: {
        data: limits.memoryBytes,
        fsize: limits.fileSizeBytes,
        nproc: limits.processes,
        // As root the dropped uid counts across the whole machine, where the sandbox cannot look.
        nproc_outside: dropTo ? await tasksOfUid(uid) : 0,
      },
      threads,
      preload: this.options.preload,
      script: view.script,
      config: path.posix.join(view.work, 'config.json'),
    };
    const env = taskEnvironment({
      passthrough: this.options.passthroughEnv,
      workDir: view.work,
      tmpDir: view.tmp,
      threads: this.options.threads,
      pythonUserBase: runtime.pythonUserBase,
    });
    const command = [sandbox ? runtime.interpreter : runtime.executable, '-c', BOOTSTRAP_SOURCE, JSON.stringify(options)];
    let launch: Launch;
    if (sandbox) {
      const etc = syntheticEtc(uid, gid);
      await Promise.all(SYNTHETIC_ETC.map((name) => writeFile(path.join(folders.etc, name), etc[name], { mode: 0o444 })));
      const args = bwrapArgs({
        host: sandbox.layout,
        run: folders,
        interpreterDirs: shareableDirs(runtime.dirs, this.options.privateDirs),
        gpu: this.options.gpu,
        tmpBytes: limits.tmpBytes,
        asRoot: sandbox.asRoot,
        env,
        command,
      });
      launch = { command: sandbox.bwrap, args, cwd: '/', env: {} };
    } else {
      launch = { command: runtime.executable, args: command.slice(1), cwd: folders.work, env };
    }
    return new RealWarmRun(new TaskProcess(launch), {
      folders,
      base,
      threads,
      datasetView: (task) => (sandbox ? path.posix.join(DATA_DIR, task.lease.dataset.sha256) : task.datasetPath),
      killGraceS: this.options.killGraceS,
    });
  }
}

interface WarmRunContext {
  folders: RunFolders;
  base: string;
  threads: number;
  /** Where the task's dataset shows to the script. */
  datasetView(task: PreparedTask): string;
  killGraceS: number;
}

class RealWarmRun implements WarmRun {
  readonly ready: Promise<ReadyEvent | null>;
  readonly folder: string;
  private readonly process: TaskProcess;
  private readonly context: WarmRunContext;
  private started = false;

  get alive(): boolean {
    return !this.process.exited;
  }

  get threads(): number {
    return this.context.threads;
  }

  constructor(process: TaskProcess, context: WarmRunContext) {
    this.process = process;
    this.context = context;
    this.ready = process.ready;
    this.folder = context.base;
  }

  async start(task: PreparedTask): Promise<RunHandle> {
    if (this.started) throw new Error('an interpreter runs one task at most');
    this.started = true;
    const { folders, datasetView, killGraceS } = this.context;
    await writeFile(path.join(folders.script, 'script.py'), task.script, { mode: 0o444 });
    await linkOrCopy(task.datasetPath, path.join(folders.data, task.lease.dataset.sha256));
    const process = this.process;
    const budgetS = task.lease.budgetS;
    process.start({ config: { ...task.config, dataset_path: datasetView(task) }, budgetS, killGraceS });
    const done = process.done.then((report): RunEnd => ({
      outcome: classify(report, { budgetS, killGraceS }),
      aborted: report.abortReason,
      pid: report.pid,
      spawnedAtMs: report.spawnedAtMs,
      startedAtMs: report.startedAtMs ?? report.spawnedAtMs,
      exitedAtMs: report.exitedAtMs,
      wallS: report.wallS,
      exitCode: report.exitCode,
      signal: report.signal,
      report,
    }));
    return {
      get pid() {
        return process.pid;
      },
      get progress() {
        return process.progress;
      },
      get startedAtMs() {
        return process.startedAtMs ?? nowMs();
      },
      started: process.started,
      get exited() {
        return process.exited;
      },
      abort: (reason) => process.abort(reason),
      done,
    };
  }

  async failureDetail(): Promise<string> {
    const report = await this.process.done;
    const stderr = report.stderrTail.trim().split('\n').slice(-2).join(' | ');
    return stderr || report.spawnError || (report.signal ? `killed by ${report.signal}` : `exit code ${report.exitCode}`);
  }

  async discard(reason: string): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.process.abort(reason);
      await this.process.done;
    }
    await this.cleanup();
  }

  async cleanup(): Promise<void> {
    await rm(this.context.base, { recursive: true, force: true });
  }
}

/** The interpreter's folders a sandbox may show: none that holds a private one (credentials, state, the home). */
export function shareableDirs(dirs: string[], privateDirs: string[]): string[] {
  return dirs.filter((dir) => !privateDirs.some((secret) => isWithin(secret, dir)));
}

/** The unprivileged identity a sandboxed task of `slot` runs as when the worker is root. Two per
 * slot, alternating, so a warm interpreter never shares a uid (and its process count) with the
 * task still running in its slot. */
export function sandboxIdentity(base: number, slot: number, serial: number): { uid: number; gid: number } {
  const id = base + slot * 2 + (serial % 2);
  return { uid: id, gid: id };
}

/** Threads of processes owned by uid (Linux /proc), which RLIMIT_NPROC counts. */
async function tasksOfUid(uid: number): Promise<number> {
  let count = 0;
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = await readFile(`/proc/${name}/status`, 'utf8');
      if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) === uid) count += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
    } catch {
      // gone meanwhile
    }
  }
  return count;
}

async function linkOrCopy(source: string, target: string): Promise<void> {
  try {
    await link(source, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    // Another file system (or one without hard links): copy it.
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw error;
    await copyFile(source, target);
  }
}
