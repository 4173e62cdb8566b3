// One slot's fetch, run and report, handed to its SlotLoop.
//   fetch   lease → heartbeats → artifacts verified (Preparer) → preflight; a task that is not
//           runnable is refused, reported or given back, and the next lease waits a little
//   run     takes the slot's warm interpreter (or starts one), hands it the task, keeps its
//           heartbeats and status line going until it exits, and starts the next interpreter
//           shortly before this task's budget runs out (see warmLeadFor)
//   report  spools and delivers the outcome, or gives the lease back (killed for shutdown), or
//           drops it (lease lost); then removes the run's folder
import type { ApiClient } from './api/client.ts';
import type { Lease, ProgressInput } from './api/documents.ts';
import type { Executor, RunEnd, RunHandle, WarmRun } from './execution.ts';
import { LeasedTask, taskLabel } from './leased-task.ts';
import type { LeaseSource } from './leasing.ts';
import { type Logger, nowMs } from './log.ts';
import type { Outcome } from './outcome.ts';
import type { Preflight, Refusal } from './preflight.ts';
import type { PreparedTask, Preparer } from './preparation.ts';
import { type ReportIdentity, spoolEntry } from './report-entry.ts';
import type { Reporter } from './reporter.ts';
import type { AheadDecision, SlotLoopOptions } from './slot-loop.ts';
import type { WorkerStats } from './stats.ts';
import type { SlotView } from './status-board.ts';
import { untilAborted } from './util/abort.ts';
import { backoffDelay, sleep } from './util/backoff.ts';

export interface ReadyTask {
  leased: LeasedTask;
  prepared: PreparedTask;
  /** Why its run was aborted (a pause or the second stop), for the lease's release. */
  abortWhy?: string;
}

/** What a slot tells the worker when one of its tasks' processes ended (for usage and the page). */
export interface TaskEnded {
  slot: number;
  lease: Lease;
  end: RunEnd;
}

export type RunResult = { kind: 'not-started'; why: 'lost' | 'shutdown' | 'fatal' } | { kind: 'ended'; end: RunEnd; warm: WarmRun };

/** The first interpreter of this worker could not import its preload modules (or the sandbox failed). */
export class CannotRunError extends Error {
  override name = 'CannotRunError';
}

export interface TaskCycleDeps {
  slot: number;
  client: ApiClient;
  leasing: LeaseSource;
  /** Null when simulating: nothing is downloaded. */
  preparer: Preparer | null;
  preflight: Preflight;
  /** What becomes of a lease the preflight refused. Today: given back (not counted as an attempt). */
  refuse(task: LeasedTask, refusal: Refusal): Promise<void>;
  executor: Executor;
  reporter: Reporter;
  stats: WorkerStats;
  log: Logger;
  show(view: SlotView): void;
  identity: ReportIdentity;
  /** Lease the next task this long before the running one should end (×0.9 of its budget). */
  prefetchLeadS: number;
  /** Start the next interpreter this long before the running task's budget ends; null: as late
   * as it can still be ready in time, from how long the last one took (see warmLeadFor). */
  warmLeadS: number | null;
  onFatal(error: Error): void;
  /** Called as soon as a task's process ended, before its report is written. */
  onTaskEnded?(ended: TaskEnded): void;
  /** A task completed with this result line (refreshes the machine's measured speed). */
  onCompleted?(lease: Lease, metrics: Record<string, unknown>): void;
  /** How long a task should take here (a compute task: from the measured speed); default its budgetS. */
  expectedS?(lease: Lease): number;
}

export class TaskCycle implements SlotLoopOptions<ReadyTask, RunResult> {
  private readonly deps: TaskCycleDeps;
  private readonly log: Logger;
  private next: Promise<WarmRun> | null = null;
  private warmTimer: NodeJS.Timeout | null = null;
  /** The task leased ahead while the current one runs, until it runs or is given back. */
  private ahead: ReadyTask | null = null;
  private everReady = false;
  /** Seconds the last interpreters took from their spawn to ready (their torch import), newest last. */
  private readonly warmTimesS: number[] = [];
  private closed = false;
  /** Paused by the volunteer's preferences: no interpreter waits (it would hold memory all the while). */
  private resting = false;

  constructor(deps: TaskCycleDeps) {
    this.deps = deps;
    this.log = deps.log;
  }

  /** Starts this slot's first interpreter now, while the worker connects and leases. */
  prime(): void {
    this.ensureWarm();
  }

  /** While paused: kills the interpreter waiting for a task and starts none; false: warms one again. */
  async rest(resting: boolean): Promise<void> {
    this.resting = resting;
    if (!resting) return this.prime();
    const next = this.next;
    this.next = null;
    if (next) await (await next).discard('paused');
  }

  /** Kills the interpreter waiting for a task, if any. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.warmTimer) clearTimeout(this.warmTimer);
    const next = this.next;
    this.next = null;
    if (next) await (await next).discard('the worker is stopping');
  }

  fetch = (signal: AbortSignal): Promise<ReadyTask | null> => this.acquire(false, signal);

  fetchAhead = async (_current: ReadyTask, signal: AbortSignal): Promise<ReadyTask | null> => {
    const next = await this.acquire(true, signal);
    if (next) this.ahead = next;
    return next;
  };

  aheadInMs = (task: ReadyTask): number => Math.max(0, this.expectedS(task.prepared.lease) * 0.9 - this.deps.prefetchLeadS) * 1000;

  /** A compute task's budgetS is only its cap: prefetch and warm start follow the expected time. */
  private expectedS(lease: Lease): number {
    return Math.min(lease.budgetS, this.deps.expectedS?.(lease) ?? lease.budgetS);
  }

  mayFetchAhead = (): AheadDecision => (this.deps.leasing.exhausted ? 'never' : this.deps.leasing.waiting > 0 ? 'later' : 'now');

  onError = (error: unknown): void => {
    this.log.error('unexpected error in the work loop', { error: (error as Error)?.stack ?? String(error) });
  };

  release = async (task: ReadyTask, why: string): Promise<void> => {
    if (this.ahead === task) this.ahead = null;
    task.leased.stopHeartbeats();
    if (!task.leased.lost) await this.deps.leasing.release(task.leased.lease, why);
  };

  run = async (task: ReadyTask, context: { signal: AbortSignal; started(): void }): Promise<RunResult> => {
    const { leased, prepared } = task;
    const { signal } = context;
    const noteAbort = () => {
      task.abortWhy = typeof signal.reason === 'string' ? signal.reason : 'worker aborted';
    };
    signal.addEventListener('abort', noteAbort, { once: true });
    if (signal.aborted) noteAbort();
    if (this.ahead === task) this.ahead = null;
    if (leased.lost) {
      leased.stopHeartbeats();
      return { kind: 'not-started', why: 'lost' };
    }
    const interpreter = await this.interpreterFor(task, signal);
    if (!('warm' in interpreter)) return interpreter;
    const { warm } = interpreter;
    let handle: RunHandle | null = null;
    const onAbort = () => handle?.abort('shutdown');
    const onLost = () => handle?.abort(leased.lostReason);
    signal.addEventListener('abort', onAbort);
    leased.lostSignal.addEventListener('abort', onLost);
    let refresh: NodeJS.Timeout | null = null;
    try {
      handle = await warm.start(prepared);
      if (signal.aborted) handle.abort('shutdown');
      const startedAtMs = (await handle.started) ?? nowMs();
      const lease = prepared.lease;
      leased.log.info('task started', {
        pid: handle.pid,
        startedAtMs,
        index: lease.index,
        attempt: lease.attempt,
        budgetS: lease.budgetS,
        prefetched: leased.prefetched,
        runDir: warm.folder ?? undefined,
        simulated: this.deps.identity.simulate || undefined,
      });
      const running = handle;
      leased.reportProgress(() => progressInput(running, this.deps.identity.simulate));
      context.started();
      this.scheduleWarm(this.expectedS(lease));
      const label = taskLabel(lease);
      const view = () => ({ phase: 'running' as const, task: label, startedAtMs, budgetS: lease.budgetS, step: running.progress?.step, loss: running.progress?.trainLoss });
      this.deps.show(view());
      refresh = setInterval(() => this.deps.show(view()), 250);
      const end = await handle.done;
      leased.stopHeartbeats();
      this.deps.onTaskEnded?.({ slot: this.deps.slot, lease, end });
      return { kind: 'ended', end, warm };
    } catch (error) {
      handle?.abort('internal error');
      await warm.discard('internal error');
      throw error;
    } finally {
      if (refresh) clearInterval(refresh);
      signal.removeEventListener('abort', onAbort);
      leased.lostSignal.removeEventListener('abort', onLost);
    }
  };

  report = async (task: ReadyTask, result: RunResult): Promise<void> => {
    const { leased } = task;
    const { lease, log } = leased;
    if (result.kind === 'not-started') {
      if (result.why === 'lost') log.warn('task dropped before it started', { reason: leased.lost?.reason });
      if (result.why === 'shutdown') await this.deps.leasing.release(lease, task.abortWhy ?? 'worker aborted');
      return;
    }
    const { end, warm } = result;
    try {
      const timing = {
        pid: end.pid ?? undefined,
        spawnedAtMs: end.spawnedAtMs,
        readyAtMs: end.report?.readyAtMs ?? undefined,
        startedAtMs: end.startedAtMs,
        // From handing the task over to the script's process starting (the fork included).
        handoffMs: end.report?.handoffAtMs && end.report.startedAtMs ? Math.round((end.report.startedAtMs - end.report.handoffAtMs) * 10) / 10 : undefined,
        exitedAtMs: end.exitedAtMs,
        wallS: Math.round(end.wallS * 1000) / 1000,
        exitCode: end.exitCode ?? undefined,
        signal: end.signal ?? undefined,
        firstProgressS: end.report?.firstProgressAtMs ? Math.round(end.report.firstProgressAtMs - end.startedAtMs) / 1000 : undefined,
        preloadS: end.report?.preloadS ?? undefined,
      };
      if (leased.lost) {
        log.warn('task dropped', { ...timing, reason: leased.lost.reason, detail: leased.lost.message });
      } else if (end.aborted === 'shutdown') {
        const why = task.abortWhy ?? 'worker aborted';
        log.warn(why.startsWith('paused') ? 'task stopped for a pause' : 'task killed for shutdown', { ...timing, why });
        this.deps.show({ phase: 'stopping', task: taskLabel(lease), note: 'releasing the lease' });
        await this.deps.leasing.release(lease, why);
      } else {
        this.logOutcome(log, end.outcome, timing);
        if (end.outcome.kind === 'complete' && !end.outcome.result.simulated) this.deps.onCompleted?.(lease, end.outcome.result.metrics);
        // Written to the spool (fsync) and then reported, while the slot already runs its next task.
        await this.deps.reporter.submit(spoolEntry(this.deps.identity, lease, end.outcome));
      }
    } finally {
      await warm.cleanup().catch((error: unknown) => log.warn('cannot remove a task folder', { error }));
    }
  };

  /** The slot's interpreter for this task, ready for the handoff — or why the task will not start. */
  private async interpreterFor(task: ReadyTask, signal: AbortSignal): Promise<{ warm: WarmRun } | RunResult> {
    const { leased, prepared } = task;
    // An interpreter that died while it waited (or never got ready) is replaced once, so a
    // worker-side failure does not cost the task an attempt.
    let warm = await this.takeWarm();
    // BLAS threads are fixed once torch is loaded: a task that asks for another count gets a fresh interpreter.
    const threads = requestedThreads(prepared.config);
    if (threads !== null && warm.threads !== null && threads !== warm.threads) {
      await warm.discard('another thread count');
      warm = await this.deps.executor.warm(this.deps.slot, threads);
    }
    let ready = await untilAborted(warm.ready, [signal, leased.lostSignal]);
    if (!signal.aborted && !leased.lost && this.everReady && (!ready || ready.preloadError || !warm.alive)) {
      leased.log.warn('the waiting interpreter is not usable; starting a fresh one', { preloadError: ready?.preloadError });
      await warm.discard('not usable');
      warm = await this.deps.executor.warm(this.deps.slot, threads ?? undefined);
      ready = await untilAborted(warm.ready, [signal, leased.lostSignal]);
    }
    if (signal.aborted || leased.lost) {
      await warm.discard(signal.aborted ? 'shutdown' : leased.lostReason);
      leased.stopHeartbeats();
      return { kind: 'not-started', why: signal.aborted ? 'shutdown' : 'lost' };
    }
    if (ready && !ready.preloadError) {
      this.everReady = true;
      this.warmTimesS.push(ready.sinceSpawnMs / 1000);
      if (this.warmTimesS.length > 3) this.warmTimesS.shift();
    } else if (!this.everReady) {
      const detail = ready?.preloadError ?? `it exited before it was ready: ${await warm.failureDetail()}`;
      await warm.discard('the interpreter is not usable');
      await this.release(task, 'this machine cannot run tasks');
      this.deps.onFatal(new CannotRunError(`the training interpreter cannot start here: ${detail}`));
      return { kind: 'not-started', why: 'fatal' };
    }
    return { warm };
  }

  private logOutcome(log: Logger, outcome: Outcome, timing: Record<string, unknown>): void {
    if (outcome.kind === 'complete') {
      this.deps.stats.completed++;
      log.info('task finished', {
        ...timing,
        outcome: 'complete',
        valBpb: outcome.result.valBpb,
        steps: outcome.result.steps,
        simulated: outcome.result.simulated || undefined,
      });
    } else {
      this.deps.stats.failed++;
      log.warn('task failed', { ...timing, outcome: 'fail', reason: outcome.failure.reason, retryable: outcome.failure.retryable });
    }
  }

  /** Leases until a task is runnable here; once: a single lease (leasing ahead). */
  private async acquire(once: boolean, signal: AbortSignal): Promise<ReadyTask | null> {
    const { leasing, client, log, show } = this.deps;
    let unrunnable = 0;
    while (!signal.aborted) {
      const lease = await leasing.next({ once, signal, show });
      if (!lease) return null;
      const leased = new LeasedTask({ client, lease, log, prefetched: once });
      leased.log.info('task leased', {
        campaignId: lease.campaignId,
        index: lease.index,
        attempt: lease.attempt,
        budgetS: lease.budgetS,
        prefetched: once,
        heartbeatMs: leased.heartbeatMs,
      });
      const ready = await this.admit(leased, signal);
      if (ready) return ready;
      // Not runnable here (bad artifact, download failure, refused): do not spin on the next lease.
      await sleep(backoffDelay(unrunnable++, 1000, 30_000), signal);
    }
    return null;
  }

  private async admit(leased: LeasedTask, signal: AbortSignal): Promise<ReadyTask | null> {
    const { preparer, reporter, stats, identity } = this.deps;
    const lease = leased.lease;
    if (!preparer) return { leased, prepared: simulatedTask(lease) };
    if (!leased.prefetched) this.deps.show({ phase: 'preparing', task: taskLabel(lease) });
    const preparation = await preparer.prepare(leased, signal);
    const giveBack = async (why: string) => {
      leased.stopHeartbeats();
      if (!leased.lost) await this.deps.leasing.release(lease, why);
      return null;
    };
    switch (preparation.kind) {
      case 'stopped':
        return giveBack('worker stopping before the task started');
      case 'unavailable':
        return giveBack(preparation.reason);
      case 'refused': {
        leased.stopHeartbeats();
        stats.failed++;
        const outcome: Outcome = { kind: 'fail', failure: { reason: preparation.reason, stdoutTail: '', stderrTail: '', retryable: preparation.retryable } };
        await reporter.submit(spoolEntry(identity, lease, outcome));
        return null;
      }
      case 'ready': {
        const verdict = await this.deps.preflight(preparation.task);
        if (verdict.kind === 'refuse') {
          leased.stopHeartbeats();
          stats.refused++;
          leased.log.error('refusing the task', { code: verdict.code, reason: verdict.reason });
          await this.deps.refuse(leased, verdict);
          return null;
        }
        return { leased, prepared: preparation.task };
      }
    }
  }

  private ensureWarm(): void {
    if (this.next || this.closed || this.resting) return;
    const next = this.deps.executor.warm(this.deps.slot);
    this.next = next;
    next.catch((error: unknown) => {
      if (this.next === next) this.next = null;
      this.log.error('cannot start an interpreter for the next task', { error: (error as Error).message });
    });
  }

  private scheduleWarm(budgetS: number): void {
    if (this.warmTimer) clearTimeout(this.warmTimer);
    const slowest = this.warmTimesS.length ? Math.max(...this.warmTimesS) : null;
    const leadS = this.deps.warmLeadS ?? warmLeadFor(slowest, this.deps.prefetchLeadS);
    const delayMs = Math.max(0, budgetS - leadS) * 1000;
    this.warmTimer = setTimeout(() => {
      this.warmTimer = null;
      // A slot with nothing more to lease and no task leased ahead, or stopping, needs no next interpreter.
      const { leasing } = this.deps;
      if (!leasing.stopping && (this.ahead || !leasing.exhausted)) this.ensureWarm();
    }, delayMs);
  }

  private async takeWarm(): Promise<WarmRun> {
    const next = this.next ?? this.deps.executor.warm(this.deps.slot);
    this.next = null;
    return next;
  }
}

/**
 * How long before the running task's budget ends its successor's interpreter starts: 1.5 × what the
 * slowest of the last three took to get ready, plus 0.5 s, between 1 s and the prefetch lead — late, so that its
 * torch import (a second of CPU) does not compete with the running task's first steps, yet ready
 * in time. Before anything was measured: the prefetch lead.
 */
export function warmLeadFor(warmS: number | null, prefetchLeadS: number): number {
  if (warmS === null) return prefetchLeadS;
  return Math.min(prefetchLeadS, Math.max(1, 1.5 * warmS + 0.5));
}

/** The num_threads a task's config asks for, if it names a whole positive number. */
function requestedThreads(config: Record<string, unknown>): number | null {
  const value = config.num_threads;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 4096 ? value : null;
}

/** A simulated run needs no files: only the lease. */
function simulatedTask(lease: Lease): PreparedTask {
  return { lease, script: Buffer.alloc(0), datasetPath: '', config: {} };
}

function progressInput(handle: RunHandle, simulated: boolean): ProgressInput {
  const progress = handle.progress;
  const elapsedS = Math.max(0, (nowMs() - handle.startedAtMs) / 1000);
  return {
    step: progress?.step ?? null,
    trainLoss: progress?.trainLoss ?? null,
    elapsedS: Math.round((progress?.elapsedS ?? elapsedS) * 1000) / 1000,
    message: simulated ? 'SIMULATED (no training)' : 'training',
  };
}
