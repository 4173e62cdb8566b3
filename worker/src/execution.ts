// One attempt at a task, real or simulated, behind one interface the slot loop drives.
import { createHash } from 'node:crypto';
import type { Lease } from './api/operations.ts';
import { nowMs } from './log.ts';
import { classify, type Outcome } from './outcome.ts';
import { type Progress, type ProcessReport, type RunSpec, TaskProcess } from './runner.ts';

export interface RunEnd {
  outcome: Outcome;
  /** Why the worker killed it (shutdown, cancelled, lease lost), or null. */
  aborted: string | null;
  pid: number | null;
  spawnedAtMs: number;
  exitedAtMs: number;
  wallS: number;
  exitCode: number | null;
  signal: string | null;
  report: ProcessReport | null;
}

export interface RunHandle {
  readonly pid: number | null;
  readonly progress: Progress | null;
  readonly startedAtMs: number;
  abort(reason: string): void;
  readonly done: Promise<RunEnd>;
}

export function startRealRun(spec: RunSpec & { killGraceS: number }): RunHandle {
  const task = new TaskProcess(spec);
  const done = task.done.then((report): RunEnd => ({
    outcome: classify(report, { budgetS: spec.budgetS, killGraceS: spec.killGraceS }),
    aborted: report.abortReason,
    pid: report.pid,
    spawnedAtMs: report.spawnedAtMs,
    exitedAtMs: report.exitedAtMs,
    wallS: report.wallS,
    exitCode: report.exitCode,
    signal: report.signal,
    report,
  }));
  return {
    get pid() {
      return task.pid;
    },
    get progress() {
      return task.progress;
    },
    get startedAtMs() {
      return task.spawnedAtMs;
    },
    abort: (reason) => task.abort(reason),
    done,
  };
}

export const SIMULATED_NOTE = 'SIMULATED by xeenet-worker --simulate: no training was run; these numbers are not a measurement';

/** Deterministic, obviously fake but valid numbers: val_bpb in (7, 8), no steps. */
export function simulatedResult(lease: Lease, wallS: number): Record<string, unknown> {
  const digest = createHash('sha256').update(`${lease.taskId}:${lease.seed}:${JSON.stringify(lease.config)}`).digest();
  const fraction = digest.readUInt32BE(0) / 2 ** 32;
  const valBpb = Math.round((7 + fraction * 0.999 + 0.0005) * 1e4) / 1e4;
  return {
    type: 'result',
    simulated: true,
    note: SIMULATED_NOTE,
    val_bpb: valBpb,
    train_loss: Math.round(valBpb * Math.LN2 * 1e4) / 1e4,
    steps: 0,
    wall_s: Math.round(wallS * 1000) / 1000,
  };
}

/** A stand-in for a training run in --simulate mode: it waits, reports fake progress, never spawns Python. */
export function startSimulatedRun(lease: Lease): RunHandle {
  const startedAtMs = nowMs();
  const durationMs = Math.max(500, lease.budgetS * 900);
  let progress: Progress | null = null;
  let abortReason: string | null = null;
  let over = false;
  let finish: () => void = () => {};
  const ticker = setInterval(() => {
    const elapsedS = (nowMs() - startedAtMs) / 1000;
    progress = { step: 0, trainLoss: null, elapsedS: Math.round(elapsedS * 1000) / 1000 };
  }, 1000);
  const ended = new Promise<void>((resolve) => {
    finish = () => {
      over = true;
      resolve();
    };
    setTimeout(finish, durationMs);
  });
  const done = ended.then((): RunEnd => {
    clearInterval(ticker);
    const exitedAtMs = nowMs();
    const wallS = (exitedAtMs - startedAtMs) / 1000;
    const metrics = simulatedResult(lease, wallS);
    const line = JSON.stringify(metrics);
    const outcome: Outcome = abortReason
      ? { kind: 'fail', failure: { reason: `stopped by the worker: ${abortReason}`, stdoutTail: '', stderrTail: '', retryable: true } }
      : {
          kind: 'complete',
          result: {
            valBpb: metrics.val_bpb as number,
            trainLoss: metrics.train_loss as number,
            steps: 0,
            wallS: metrics.wall_s as number,
            metrics,
            stdoutTail: `${SIMULATED_NOTE}\n${line}\n`,
            simulated: true,
          },
        };
    return { outcome, aborted: abortReason, pid: null, spawnedAtMs: startedAtMs, exitedAtMs, wallS, exitCode: null, signal: null, report: null };
  });
  return {
    pid: null,
    get progress() {
      return progress;
    },
    startedAtMs,
    abort: (reason) => {
      // Like a real run: once it has ended, its result stands.
      if (over) return;
      abortReason ??= reason;
      finish();
    },
    done,
  };
}
