// The work loop. Each slot: lease → fetch and verify artifacts → run → spool the report → repeat,
// leasing (and downloading) its next task shortly before the running one ends so that the machine
// never idles waiting for the server. Shutdown: the first stop request lets running tasks finish;
// the second kills them and releases their leases.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiClient, ServerError, TokenRejectedError } from './api/client.ts';
import {
  describeError,
  isSuccess,
  type Lease,
  LEASE_TASK,
  type LeaseTaskResult,
  type ProgressInput,
  RELEASE_TASK,
  type ReleaseTaskResult,
  UPDATE_WORKER,
  type UpdateWorkerResult,
} from './api/operations.ts';
import type { HardwareInput } from './api/register.ts';
import { artifactUrl, type ServerUrls } from './api/server.ts';
import { ArtifactCache, ArtifactFetchError, ArtifactMismatchError } from './artifacts.ts';
import type { Credential } from './credentials.ts';
import { type RunEnd, type RunHandle, startRealRun, startSimulatedRun } from './execution.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import type { Logger } from './log.ts';
import type { Outcome } from './outcome.ts';
import type { PythonRuntime } from './python/discover.ts';
import { taskEnvironment } from './python/task-env.ts';
import { Reporter } from './reporter.ts';
import { KILL_GRACE_S } from './runner.ts';
import type { Settings } from './settings.ts';
import { Spool, type SpoolEntry } from './spool.ts';
import type { StatusView } from './status-board.ts';
import { backoffDelay, sleep, Waker } from './util/backoff.ts';
import { ensurePrivateDir } from './util/fs.ts';

export interface WorkerConfig {
  urls: ServerUrls;
  credential: Credential;
  settings: Settings;
  log: Logger;
  board: StatusView | null;
  slots: number;
  simulate: boolean;
  /** Required unless simulate. */
  runtime: PythonRuntime | null;
  cores: number;
  /** Passed to the script as `device` when set (--device). */
  device: string | null;
  /** Lease the next task this long before the running one is expected to end. */
  prefetchLeadS?: number;
  killGraceS?: number;
  /** Lease at most this many tasks, then finish and exit (--max-tasks). */
  maxTasks?: number | null;
  keepAliveMs?: number;
  /** This start's name, slots and hardware: sent with updateWorker once connected. */
  profile?: WorkerProfile | null;
  /** Called after the server accepted the profile (to keep the stored credential in step). */
  onProfileUpdated?(profile: WorkerProfile): void;
}

export interface WorkerProfile {
  name: string;
  slots: number;
  hardware: HardwareInput;
}

export type WorkerExit = 'finished' | 'stopped' | 'aborted' | 'token-rejected';

interface Job {
  lease: Lease;
  keeper: LeaseKeeper;
  /** The task's private folder with script.py and config.json, written when it was prepared. */
  workDir: string | null;
  prefetched: boolean;
  handle: RunHandle | null;
  lost: { reason: string; message: string; cancelled: boolean } | null;
}

const RELEASE_TIMEOUT_MS = 5000;

export class Worker {
  readonly config: WorkerConfig;
  readonly log: Logger;
  readonly client: ApiClient;
  readonly reporter: Reporter;
  readonly cache: ArtifactCache;
  readonly runsDir: string;
  private readonly slotList: Slot[] = [];
  private readonly stopWaker = new Waker();
  private readonly forceStop = new AbortController();
  /** Aborted by the first stop request: downloads for tasks that will be given back end at once. */
  private readonly stopRequested = new AbortController();
  private fatal: Error | null = null;
  private profileState: 'pending' | 'sending' | 'done' = 'pending';
  stopping = false;
  forced = false;
  leasesTaken = 0;
  completed = 0;
  failed = 0;

  constructor(config: WorkerConfig) {
    if (!config.simulate && !config.runtime) throw new Error('a Python runtime with PyTorch is required unless simulating');
    this.config = config;
    this.log = config.log;
    this.runsDir = path.join(config.settings.stateDir, 'runs');
    this.client = new ApiClient({
      urls: config.urls,
      token: config.credential.token,
      log: config.log,
      keepAliveMs: config.keepAliveMs,
      onFatal: (error) => {
        this.fatal = error;
        this.log.error(error instanceof TokenRejectedError ? `${error.message}; stopping` : error.message);
        this.stop(true);
      },
    });
    this.reporter = new Reporter({
      spool: new Spool(config.settings.stateDir),
      client: this.client,
      log: config.log,
      server: config.urls.base,
      workerId: config.credential.workerId,
    });
    this.cache = new ArtifactCache(path.join(config.settings.cacheDir, 'artifacts'), config.log);
    config.board?.summary(() => this.summaryLine());
    this.client.onConnected(() => {
      this.reporter.kick();
      void this.reporter.replay();
      void this.sendProfile();
    });
  }

  /**
   * Refreshes the machine's name, slots and hardware on the server once per start (a registration
   * is made once; a renamed machine or a new GPU would never show otherwise). A transport failure
   * is retried after the next reconnection; a refusal is logged and not retried.
   */
  private async sendProfile(): Promise<void> {
    const profile = this.config.profile;
    if (!profile || this.profileState !== 'pending') return;
    this.profileState = 'sending';
    try {
      const { updateWorker } = await this.client.request<{ updateWorker: UpdateWorkerResult }>(UPDATE_WORKER, { input: profile });
      this.profileState = 'done';
      if (isSuccess(updateWorker)) {
        this.log.info('updated this machine’s profile on the server', { name: profile.name, slots: profile.slots });
        this.config.onProfileUpdated?.(profile);
      } else {
        this.log.warn('the server refused this machine’s profile update', { error: describeError(updateWorker) });
      }
    } catch (error) {
      if (error instanceof ServerError || error instanceof TokenRejectedError) {
        this.profileState = 'done';
        this.log.warn('the server cannot update this machine’s profile (an older API?); it keeps the registered one', { error: error.message });
      } else {
        this.profileState = 'pending';
      }
    }
  }

  /** Ends sleeps and waits at the next stop request (either one). */
  get stopSignal(): AbortSignal {
    return AbortSignal.any([this.stopWaker.signal(), this.forceStop.signal]);
  }

  /** Aborted once stopping: artifact downloads (a task not started by then is given back). */
  get stoppingSignal(): AbortSignal {
    return this.stopRequested.signal;
  }

  get prefetchLeadS(): number {
    return this.config.prefetchLeadS ?? 5;
  }

  get killGraceS(): number {
    return this.config.killGraceS ?? KILL_GRACE_S;
  }

  /** Slots with nothing to run, asking for work. */
  slotsWaiting(): number {
    return this.slotList.filter((slot) => slot.waiting).length;
  }

  mayLease(): boolean {
    return !this.stopping && (this.config.maxTasks == null || this.leasesTaken < this.config.maxTasks);
  }

  /** First call: finish running tasks, then exit. With force (or a second call): kill and release. */
  stop(force = false): void {
    if (this.stopping && !force) force = true;
    if (!this.stopping) {
      this.stopping = true;
      this.stopRequested.abort();
      const running = this.slotList.filter((slot) => slot.job?.handle).length;
      if (!force) this.log.info('stopping: finishing the running tasks first (stop again to abort them)', { running });
    }
    if (force && !this.forced) {
      this.forced = true;
      this.log.warn('aborting: killing running tasks and releasing their leases');
      for (const slot of this.slotList) slot.job?.handle?.abort('shutdown');
      this.forceStop.abort();
    }
    this.stopWaker.wake();
  }

  /** The status board's bottom line. */
  summaryLine(): string {
    const state = this.stopping
      ? this.forced
        ? 'aborting'
        : 'stopping'
      : this.client.connected
        ? 'connected'
        : this.client.everConnected
          ? 'reconnecting'
          : 'connecting';
    return `${this.config.urls.base} · ${state} · done ${this.completed} · failed ${this.failed} · reports pending ${this.reporter.pending}`;
  }

  async run(): Promise<WorkerExit> {
    await ensurePrivateDir(this.runsDir);
    await this.cleanRunsDir();
    this.log.info('worker ready', {
      server: this.config.urls.base,
      workerId: this.config.credential.workerId,
      slots: this.config.slots,
      simulated: this.config.simulate,
      python: this.config.runtime?.executable,
      torch: this.config.runtime?.torchVersion,
      device: this.config.runtime?.device,
    });
    await this.reporter.replay();
    for (let index = 0; index < this.config.slots; index++) this.slotList.push(new Slot(this, index));
    await Promise.all(this.slotList.map((slot) => slot.loop()));

    const drained = await this.reporter.drain(this.forced ? 3000 : 10_000, this.forceStop.signal);
    if (!drained) {
      this.log.warn('some reports are not delivered yet; they stay in the spool and are sent on the next start', {
        pending: this.reporter.pending,
      });
    }
    this.reporter.stop();
    await this.client.close();
    if (this.fatal instanceof TokenRejectedError) return 'token-rejected';
    if (this.forced) return 'aborted';
    return this.stopping ? 'stopped' : 'finished';
  }

  /** Leftover working folders of tasks from a worker that was killed. */
  private async cleanRunsDir(): Promise<void> {
    for (const name of await readdir(this.runsDir)) {
      await rm(path.join(this.runsDir, name), { recursive: true, force: true });
    }
  }

  /** Threads per task: all usable cores for one slot (the script decides), a share for several. */
  threadsPerTask(): number | null {
    if (this.config.slots <= 1) return null;
    return Math.max(1, Math.floor(this.config.cores / this.config.slots));
  }

  async release(job: Job, why: string): Promise<void> {
    job.keeper.stop();
    if (job.workDir) await rm(job.workDir, { recursive: true, force: true }).catch(() => {});
    if (job.lost) return;
    try {
      const { releaseTask } = await this.client.request<{ releaseTask: ReleaseTaskResult }>(
        RELEASE_TASK,
        { input: { taskId: job.lease.taskId, leaseToken: job.lease.token } },
        RELEASE_TIMEOUT_MS,
      );
      if (isSuccess(releaseTask)) this.log.info('lease released', { taskId: job.lease.taskId, why });
      else this.log.warn('lease not released', { taskId: job.lease.taskId, why, error: describeError(releaseTask) });
    } catch (error) {
      this.log.warn('lease not released; it will expire on its own', { taskId: job.lease.taskId, why, error: (error as Error).message });
    }
  }

  entryFor(lease: Lease, outcome: Outcome): SpoolEntry {
    const base = {
      version: 1 as const,
      server: this.config.urls.base,
      workerId: this.config.credential.workerId,
      taskId: lease.taskId,
      leaseToken: lease.token,
      createdAt: new Date().toISOString(),
    };
    if (outcome.kind === 'complete') {
      const result = outcome.result;
      return {
        ...base,
        report: {
          kind: 'complete',
          input: {
            taskId: lease.taskId,
            leaseToken: lease.token,
            result: {
              valBpb: result.valBpb,
              trainLoss: result.trainLoss,
              steps: result.steps,
              wallS: result.wallS,
              metrics: result.metrics,
              stdoutTail: result.stdoutTail || null,
              simulated: result.simulated || this.config.simulate,
            },
          },
        },
      };
    }
    return {
      ...base,
      report: {
        kind: 'fail',
        input: {
          taskId: lease.taskId,
          leaseToken: lease.token,
          reason: outcome.failure.reason,
          stdoutTail: outcome.failure.stdoutTail || null,
          stderrTail: outcome.failure.stderrTail || null,
          retryable: outcome.failure.retryable,
        },
      },
    };
  }
}

function taskLabel(lease: Lease): string {
  return `task #${lease.index} · try ${lease.attempt}/${lease.maxAttempts}`;
}

class Slot {
  private readonly worker: Worker;
  private readonly index: number;
  private readonly log: Logger;
  private readonly background = new Set<Promise<unknown>>();
  job: Job | null = null;
  /** True while the slot has nothing to run and is asking for work. */
  waiting = false;

  constructor(worker: Worker, index: number) {
    this.worker = worker;
    this.index = index;
    this.log = worker.log.child({ slot: index + 1 });
  }

  private show(view: Parameters<StatusView['update']>[1]): void {
    this.worker.config.board?.update(this.index, view);
  }

  async loop(): Promise<void> {
    const worker = this.worker;
    // The prefetched next task, set by a timer while the current one runs.
    const ahead: { next: Promise<Job | null> | null } = { next: null };
    while (worker.mayLease() || ahead.next) {
      let job: Job | null = null;
      const timer: { prefetch: NodeJS.Timeout | null } = { prefetch: null };
      try {
        job = ahead.next ? await ahead.next : null;
        ahead.next = null;
        if (!job && worker.mayLease()) job = await this.acquire(false);
        if (!job) break;
        if (worker.stopping) {
          await worker.release(job, 'worker stopping before the task started');
          break;
        }
        await this.execute(job, (budgetS) => {
          const prefetch = () => {
            if (!worker.mayLease()) return;
            // A slot with nothing to do gets the next task first; try again a little later.
            if (worker.slotsWaiting() > 0) {
              timer.prefetch = setTimeout(prefetch, 500);
              return;
            }
            ahead.next = this.acquire(true);
          };
          timer.prefetch = setTimeout(prefetch, Math.max(0, budgetS * 0.9 - worker.prefetchLeadS) * 1000);
        });
      } catch (error) {
        // A bug or a broken machine (disk full…): give the task back and carry on after a pause.
        this.log.error('unexpected error in the work loop', { error: (error as Error).stack ?? String(error) });
        if (job) {
          job.handle?.abort('internal error');
          await worker.release(job, 'internal error');
        }
        await sleep(5000, worker.stopSignal);
      } finally {
        if (timer.prefetch) clearTimeout(timer.prefetch);
      }
    }
    if (ahead.next) {
      const leftover = await ahead.next;
      if (leftover) await worker.release(leftover, 'worker stopping before the task started');
    }
    await Promise.all([...this.background]);
    this.show({ phase: 'stopped' });
  }

  /** Leases a task and prepares it; once: a single try (prefetch), else poll until one comes or stop. */
  private async acquire(once: boolean): Promise<Job | null> {
    if (once) return this.lease(true);
    this.waiting = true;
    try {
      return await this.lease(false);
    } finally {
      this.waiting = false;
    }
  }

  private async lease(once: boolean): Promise<Job | null> {
    const worker = this.worker;
    let idle = 0;
    let failures = 0;
    let unrunnable = 0;
    while (worker.mayLease()) {
      if (!worker.client.connected) {
        if (once) return null;
        this.show({ phase: 'idle', note: 'waiting for the API' });
        await worker.client.waitConnected(worker.stopSignal);
        if (!worker.mayLease()) break;
      }
      // Reports waiting since before a reconnection go first (see Reporter.tryAllOnce).
      await worker.reporter.tryAllOnce(10_000, worker.stopSignal);
      if (!once) this.show({ phase: idle ? 'idle' : 'leasing', note: idle ? 'no queued task; polling' : undefined });
      let lease: Lease | null = null;
      try {
        const { leaseTask } = await worker.client.request<{ leaseTask: LeaseTaskResult }>(LEASE_TASK, {}, 15_000);
        if (isSuccess(leaseTask) && leaseTask.data) {
          lease = leaseTask.data.lease;
          failures = 0;
        } else {
          failures++;
          this.log.warn('lease refused', { error: describeError(leaseTask) });
        }
      } catch (error) {
        failures++;
        if (failures === 1 || failures % 10 === 0) this.log.warn('cannot lease a task yet', { error: (error as Error).message, failures });
      }
      if (lease) {
        worker.leasesTaken++;
        const job = await this.prepare(lease, once);
        if (job) return job;
        // Not runnable here (bad artifact, download failure): do not spin on the next lease.
        await sleep(backoffDelay(unrunnable++, 1000, 30_000), worker.stopSignal);
        continue;
      }
      if (once) return null;
      const delay = failures ? backoffDelay(failures - 1, 1000, 30_000) : backoffDelay(idle++, 1000, 5000);
      await sleep(delay, worker.stopSignal);
    }
    return null;
  }

  /** Starts heartbeats, then downloads and verifies the script and dataset. Null: not runnable. */
  private async prepare(lease: Lease, prefetched: boolean): Promise<Job | null> {
    const worker = this.worker;
    const log = this.log.child({ taskId: lease.taskId });
    const job: Job = { lease, keeper: null as unknown as LeaseKeeper, workDir: null, prefetched, handle: null, lost: null };
    job.keeper = new LeaseKeeper({
      client: worker.client,
      lease,
      log,
      onLost: (lost) => {
        job.lost = lost;
        log.warn(lost.cancelled ? 'campaign cancelled: stopping the task' : 'lease lost: stopping the task', {
          reason: lost.reason,
          message: lost.message,
        });
        job.handle?.abort(lost.cancelled ? 'the campaign was cancelled' : `the lease was lost (${lost.reason})`);
      },
    });
    job.keeper.start();
    log.info('task leased', {
      campaignId: lease.campaignId,
      index: lease.index,
      attempt: lease.attempt,
      budgetS: lease.budgetS,
      prefetched,
      heartbeatMs: job.keeper.interval,
    });
    if (worker.config.simulate) return job;

    if (!prefetched) this.show({ phase: 'preparing', task: taskLabel(lease) });
    for (let attempt = 0; ; attempt++) {
      if (job.lost) return null;
      // A task that has not started when the worker stops is given back: no need to finish fetching it.
      if (worker.stopping) {
        await worker.release(job, 'worker stopping before the task started');
        return null;
      }
      try {
        const urls = worker.config.urls;
        const signal = worker.stoppingSignal;
        const [script, datasetPath] = await Promise.all([
          worker.cache.bytes(lease.script, artifactUrl(urls, lease.script.url), signal),
          worker.cache.file(lease.dataset, artifactUrl(urls, lease.dataset.url), signal),
        ]);
        job.workDir = await this.writeWorkDir(lease, script, datasetPath);
        return job;
      } catch (error) {
        if (worker.stopping) continue;
        if (error instanceof ArtifactMismatchError) {
          if (attempt === 0) {
            log.warn('artifact failed verification; downloading it once more', { error: error.message });
            continue;
          }
          log.error('artifact failed verification twice: refusing to run the task', { error: error.message });
          job.keeper.stop();
          await worker.reporter.submit(
            worker.entryFor(lease, {
              kind: 'fail',
              failure: { reason: `refused to run: ${error.message}`, stdoutTail: '', stderrTail: '', retryable: true },
            }),
          );
          worker.failed++;
          return null;
        }
        if (error instanceof ArtifactFetchError && attempt < 8) {
          log.warn('artifact download failed; retrying', { error: error.message, attempt: attempt + 1 });
          await sleep(backoffDelay(attempt, 1000, 20_000), worker.stopSignal);
          continue;
        }
        log.error('cannot prepare the task here; giving it back', { error: (error as Error).message });
        await worker.release(job, 'artifacts unavailable');
        return null;
      }
    }
  }

  /**
   * The task's private folder: script.py (the verified bytes) and config.json (the lease's
   * hyperparameters plus budget_s, seed, dataset_path and, when set, device and num_threads).
   */
  private async writeWorkDir(lease: Lease, script: Buffer, datasetPath: string): Promise<string> {
    const worker = this.worker;
    const workDir = path.join(worker.runsDir, `${lease.taskId}-${lease.attempt}-${randomBytes(3).toString('hex')}`);
    await mkdir(path.join(workDir, 'tmp'), { recursive: true, mode: 0o700 });
    const threads = worker.threadsPerTask();
    const config: Record<string, unknown> = {
      ...lease.config,
      budget_s: lease.budgetS,
      seed: lease.seed,
      dataset_path: datasetPath,
      ...(worker.config.device ? { device: worker.config.device } : {}),
      ...(threads ? { num_threads: threads } : {}),
    };
    await writeFile(path.join(workDir, 'script.py'), script, { mode: 0o600 });
    await writeFile(path.join(workDir, 'config.json'), `${JSON.stringify(config)}\n`, { mode: 0o600 });
    return workDir;
  }

  private async execute(job: Job, onStarted: (budgetS: number) => void): Promise<void> {
    const worker = this.worker;
    const { lease } = job;
    const log = this.log.child({ taskId: lease.taskId });
    if (job.lost) {
      await worker.release(job, 'lease lost before the task started');
      return;
    }
    this.job = job;
    const workDir = job.workDir;
    try {
      let handle: RunHandle;
      if (worker.config.simulate) {
        handle = startSimulatedRun(lease);
      } else {
        if (!workDir) throw new Error(`task ${lease.taskId} has no prepared folder`);
        const runtime = worker.config.runtime!;
        handle = startRealRun({
          python: runtime.executable,
          script: path.join(workDir, 'script.py'),
          config: path.join(workDir, 'config.json'),
          cwd: workDir,
          env: taskEnvironment({
            passthrough: worker.config.settings.passthroughEnv,
            workDir,
            threads: worker.threadsPerTask(),
            pythonUserBase: runtime.pythonUserBase,
          }),
          budgetS: lease.budgetS,
          killGraceS: worker.killGraceS,
          parentDeathSignal: worker.config.settings.parentDeathSignal,
        });
      }
      job.handle = handle;
      if (worker.forced) handle.abort('shutdown');
      log.info('task started', {
        pid: handle.pid,
        spawnedAtMs: handle.startedAtMs,
        index: lease.index,
        attempt: lease.attempt,
        budgetS: lease.budgetS,
        prefetched: job.prefetched,
        simulated: worker.config.simulate || undefined,
      });
      job.keeper.setProgress(() => progressInput(handle, worker.config.simulate));
      job.keeper.beatNow();
      onStarted(lease.budgetS);
      const label = taskLabel(lease);
      const refresh = setInterval(() => {
        const progress = handle.progress;
        this.show({ phase: 'running', task: label, startedAtMs: handle.startedAtMs, budgetS: lease.budgetS, step: progress?.step, loss: progress?.trainLoss });
      }, 250);
      this.show({ phase: 'running', task: label, startedAtMs: handle.startedAtMs, budgetS: lease.budgetS });
      let end: RunEnd;
      try {
        end = await handle.done;
      } finally {
        clearInterval(refresh);
      }
      job.keeper.stop();
      await this.finish(job, end, log);
    } finally {
      this.job = null;
      if (workDir) {
        this.track(rm(workDir, { recursive: true, force: true }).catch((error: unknown) => log.warn('cannot remove a task folder', { workDir, error })));
      }
    }
  }

  private async finish(job: Job, end: RunEnd, log: Logger): Promise<void> {
    const worker = this.worker;
    const timing = {
      pid: end.pid ?? undefined,
      spawnedAtMs: end.spawnedAtMs,
      exitedAtMs: end.exitedAtMs,
      wallS: Math.round(end.wallS * 1000) / 1000,
      exitCode: end.exitCode ?? undefined,
      signal: end.signal ?? undefined,
    };
    if (job.lost) {
      log.warn('task dropped', { ...timing, reason: job.lost.reason, detail: job.lost.message });
      return;
    }
    if (end.aborted === 'shutdown') {
      log.warn('task killed for shutdown', timing);
      this.show({ phase: 'stopping', task: taskLabel(job.lease), note: 'releasing the lease' });
      await worker.release(job, 'worker aborted');
      return;
    }
    const outcome = end.outcome;
    if (outcome.kind === 'complete') {
      worker.completed++;
      log.info('task finished', {
        ...timing,
        outcome: 'complete',
        valBpb: outcome.result.valBpb,
        steps: outcome.result.steps,
        simulated: outcome.result.simulated || undefined,
      });
    } else {
      worker.failed++;
      log.warn('task failed', { ...timing, outcome: 'fail', reason: outcome.failure.reason, retryable: outcome.failure.retryable });
    }
    // Written to the spool (fsync) and then reported, while the slot already starts its next task:
    // the write is not on the path between one subprocess and the next.
    this.track(worker.reporter.submit(worker.entryFor(job.lease, outcome)));
  }

  /** Work that must finish before the slot stops, but not before it starts its next task. */
  private track(work: Promise<unknown>): void {
    const tracked = work
      .catch((error: unknown) => this.log.error('cannot write a report to the spool', { error }))
      .finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }
}

function progressInput(handle: RunHandle, simulated: boolean): ProgressInput {
  const progress = handle.progress;
  const elapsedS = Math.max(0, (performance.timeOrigin + performance.now() - handle.startedAtMs) / 1000);
  return {
    step: progress?.step ?? null,
    trainLoss: progress?.trainLoss ?? null,
    elapsedS: Math.round((progress?.elapsedS ?? elapsedS) * 1000) / 1000,
    message: simulated ? 'SIMULATED (no training)' : 'training',
  };
}
