// Turns what a training subprocess did into the report for the API: a completed result (exit 0,
// exactly one valid result line, last on stdout) or a failure with a reason a person can act on.
import { MAX_METRICS_BYTES, reportableReason, resultLineProblems } from '@xeenet/contract';
import type { ProcessReport } from './runner.ts';
import { truncate } from './util/tail.ts';

export { MAX_METRICS_BYTES, MAX_REASON_CHARS } from '@xeenet/contract';
/** Error codes that running the task again cannot fix (the dataset is verified by hash). */
export const DETERMINISTIC_ERROR_CODES = new Set(['invalid_config', 'dataset_error']);

export interface ResultReport {
  valBpb: number | null;
  trainLoss: number | null;
  steps: number | null;
  wallS: number | null;
  metrics: Record<string, unknown>;
  stdoutTail: string;
  simulated: boolean;
}

export interface FailureReport {
  reason: string;
  stdoutTail: string;
  stderrTail: string;
  retryable: boolean;
}

export type Outcome = { kind: 'complete'; result: ResultReport } | { kind: 'fail'; failure: FailureReport };

export interface ClassifyOptions {
  budgetS: number;
  killGraceS: number;
}

function lastLine(text: string): string | null {
  const lines = text.split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1]! : null;
}

function fail(report: ProcessReport, reason: string, retryable = true): Outcome {
  const stderr = lastLine(report.stderrTail);
  const full = stderr && !reason.includes(stderr) ? `${reason} — stderr: ${stderr}` : reason;
  return {
    kind: 'fail',
    failure: { reason: reportableReason(full), stdoutTail: report.stdoutTail, stderrTail: report.stderrTail, retryable },
  };
}

function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Problems with a result line (empty when it is usable): the contract's rules, shared with the API. */
export const resultProblems = resultLineProblems;

const MIB = 1024 * 1024;

/** What a limit the bootstrap set says about a crash: "(the task's memory limit is 512 MiB)". */
function limitHint(report: ProcessReport): string {
  const limits = report.limits ?? {};
  const stderr = report.stderrTail;
  const value = (name: string) => (typeof limits[name] === 'number' ? (limits[name] as number) : null);
  const memory = value('RLIMIT_DATA');
  if (memory !== null && /MemoryError|can't allocate memory|Cannot allocate memory|std::bad_alloc|out of memory/i.test(stderr)) {
    return ` (the task's memory limit is ${Math.round(memory / MIB)} MiB)`;
  }
  const processes = value('RLIMIT_NPROC');
  if (processes !== null && /Resource temporarily unavailable|can't start new thread|fork/i.test(stderr) && /BlockingIOError|RuntimeError|OSError/.test(stderr)) {
    return ` (the task may run at most ${processes} processes and threads)`;
  }
  return '';
}

export function classify(report: ProcessReport, options: ClassifyOptions): Outcome {
  const { budgetS, killGraceS } = options;
  if (report.spawnError) return fail(report, `could not start Python: ${report.spawnError}`);
  if (report.abortReason) return fail(report, `stopped by the worker: ${report.abortReason}`);

  const ended = report.signal ? `was killed by ${report.signal}` : `exited with code ${report.exitCode}`;
  if (report.startTimedOut) {
    return fail(report, 'killed: the interpreter did not start the script after the handoff (is importing torch hanging?)');
  }
  if (report.startedAtMs === null) {
    const preload = report.preloadError ? ` (importing the preloaded modules failed: ${report.preloadError})` : '';
    return fail(report, `the interpreter ${ended} before the script was started${preload}`);
  }
  if (report.signal === 'SIGXFSZ') {
    const limit = typeof report.limits?.RLIMIT_FSIZE === 'number' ? ` of ${Math.round(report.limits.RLIMIT_FSIZE / MIB)} MiB` : '';
    return fail(report, `was killed by SIGXFSZ: it wrote a file larger than the task's file size limit${limit}`);
  }
  if (report.killSentAtS !== null) {
    return fail(
      report,
      `killed at budget_s + ${killGraceS} s (${(budgetS + killGraceS).toFixed(0)} s): no result ${killGraceS} s after SIGTERM at budget_s = ${budgetS} s`,
    );
  }
  if (report.resultLines.length > 1) {
    return fail(report, `printed ${report.resultLines.length} result lines; exactly one is allowed`);
  }
  if (report.exitCode === 0 && report.resultLines.length === 1) {
    if (report.lastLineKind !== 'result') {
      return fail(report, `the result line was not the last line on stdout (it was followed by: ${truncate(report.lastLine ?? '', 200)})`);
    }
    const line = report.resultLines[0]!;
    const problems = resultProblems(line);
    if (problems.length) return fail(report, `invalid result line: ${problems.join('; ')}`);
    const metricsBytes = Buffer.byteLength(JSON.stringify(line), 'utf8');
    if (metricsBytes > MAX_METRICS_BYTES) return fail(report, `the result line is ${metricsBytes} bytes; at most ${MAX_METRICS_BYTES} are accepted`);
    return {
      kind: 'complete',
      result: {
        valBpb: line.val_bpb as number,
        trainLoss: line.train_loss as number,
        steps: line.steps as number,
        wallS: finite(line.wall_s) ?? Math.round(report.wallS * 1000) / 1000,
        metrics: line,
        stdoutTail: report.stdoutTail,
        simulated: false,
      },
    };
  }
  if (report.errorLine) {
    const code = typeof report.errorLine.code === 'string' ? report.errorLine.code : 'unknown';
    const message = typeof report.errorLine.error === 'string' ? report.errorLine.error : JSON.stringify(report.errorLine);
    return fail(report, `script error (${code}): ${message} [${ended}]`, !DETERMINISTIC_ERROR_CODES.has(code));
  }
  if (report.signal === 'SIGTERM' && report.termSentAtS !== null) {
    if (report.resultLines.length === 1) {
      return fail(report, `printed its result line but was still running at budget_s = ${budgetS} s and was stopped by SIGTERM (a script exits once it has reported)`);
    }
    return fail(report, `stopped by SIGTERM at budget_s = ${budgetS} s without printing a result line (a script must catch SIGTERM, evaluate and report)`);
  }
  if (report.resultLines.length === 1) return fail(report, `printed a result line but ${ended}; a finished script exits with code 0`);
  if (report.garbageLines > 0 && report.lastLineKind === 'garbage') {
    return fail(report, `${ended}; the last line on stdout is not a JSON result line: ${truncate(report.lastLine ?? '', 300)}`);
  }
  return fail(report, `${ended} without printing a result line${limitHint(report)}`);
}
