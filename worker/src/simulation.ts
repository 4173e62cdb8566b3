// --simulate: demo and test runs that never start Python. Each "run" waits 90% of its budget
// reporting fake progress and ends with obviously fake but valid numbers, marked simulated.
import { createHash } from 'node:crypto';
import type { Lease } from './api/documents.ts';
import type { Executor, RunEnd, RunHandle, WarmRun } from './execution.ts';
import { nowMs } from './log.ts';
import type { Outcome } from './outcome.ts';
import type { Progress } from './runner.ts';

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

/** --simulate: no Python ever; each "run" waits 90% of its budget reporting fake progress. */
export class SimulatedExecutor implements Executor {
  async warm(): Promise<WarmRun> {
    return {
      folder: null,
      alive: true,
      threads: null,
      ready: Promise.resolve({ sinceSpawnMs: 0, preloadS: 0, preloadError: null, limits: {} }),
      start: async (task) => startSimulatedRun(task.lease),
      discard: async () => {},
      failureDetail: async () => '',
      cleanup: async () => {},
    };
  }
}

export function startSimulatedRun(lease: Lease): RunHandle {
  const startedAtMs = nowMs();
  // A compute task's budgetS is only a cap (up to an hour): a simulated one takes a couple of seconds.
  const durationMs = lease.budget?.kind === 'COMPUTE' ? Math.min(2000, Math.max(500, lease.budgetS * 900)) : Math.max(500, lease.budgetS * 900);
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
    return { outcome, aborted: abortReason, pid: null, spawnedAtMs: startedAtMs, startedAtMs, exitedAtMs, wallS, exitCode: null, signal: null, report: null };
  });
  return {
    pid: null,
    get progress() {
      return progress;
    },
    startedAtMs,
    started: Promise.resolve(startedAtMs),
    get exited() {
      return over;
    },
    abort: (reason) => {
      // Like a real run: once it has ended, its result stands.
      if (over) return;
      abortReason ??= reason;
      finish();
    },
    done,
  };
}
