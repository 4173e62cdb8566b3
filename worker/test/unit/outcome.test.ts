import { describe, expect, it } from 'vitest';
import { classify } from '../../src/outcome.ts';
import type { ProcessReport } from '../../src/runner.ts';

const RESULT = { type: 'result', val_bpb: 2.9, train_loss: 2.1, steps: 120, wall_s: 2.8 };

function report(overrides: Partial<ProcessReport> = {}): ProcessReport {
  return {
    pid: 1234,
    spawnedAtMs: -900,
    readyAtMs: -10,
    handoffAtMs: -2,
    startedAtMs: 0,
    exitedAtMs: 2800,
    wallS: 2.8,
    budgetS: 3,
    preloadS: 0.9,
    preloadError: null,
    limits: { RLIMIT_DATA: 512 * 1024 * 1024, RLIMIT_NPROC: 260, RLIMIT_FSIZE: 64 * 1024 * 1024 },
    firstProgressAtMs: 40,
    startTimedOut: false,
    exitCode: 0,
    signal: null,
    spawnError: null,
    termSentAtS: null,
    killSentAtS: null,
    abortReason: null,
    resultLines: [RESULT],
    errorLine: null,
    lastLine: JSON.stringify(RESULT),
    lastLineKind: 'result',
    garbageLines: 0,
    firstGarbage: null,
    progressLines: 2,
    lastProgress: null,
    stdoutTail: `${JSON.stringify(RESULT)}\n`,
    stderrTail: '[char-tiny 1.2s] log line\n',
    ...overrides,
  };
}

const options = { budgetS: 3, killGraceS: 15 };

describe('classify', () => {
  it('completes with the numbers and the whole line as metrics', () => {
    const outcome = classify(report(), options);
    expect(outcome).toEqual({
      kind: 'complete',
      result: { valBpb: 2.9, trainLoss: 2.1, steps: 120, wallS: 2.8, metrics: RESULT, stdoutTail: `${JSON.stringify(RESULT)}\n`, simulated: false },
    });
  });

  it('falls back to the measured wall time when the line has none', () => {
    const line = { ...RESULT, wall_s: undefined };
    delete line.wall_s;
    const outcome = classify(report({ resultLines: [line] }), options);
    expect(outcome.kind === 'complete' && outcome.result.wallS).toBe(2.8);
  });

  it('fails a result with non-finite or missing numbers', () => {
    const outcome = classify(report({ resultLines: [{ type: 'result', val_bpb: Infinity, steps: 1.5 }] }), options);
    expect(outcome.kind).toBe('fail');
    if (outcome.kind !== 'fail') return;
    expect(outcome.failure.reason).toContain('invalid result line');
    expect(outcome.failure.reason).toContain('val_bpb must be a finite number, got Infinity');
    expect(outcome.failure.reason).toContain('train_loss is required');
    expect(outcome.failure.reason).toContain('steps must be a non-negative integer, got 1.5');
  });

  it('fails a result the API would refuse: val_bpb above 64, a NUL in the metrics', () => {
    const huge = classify(report({ resultLines: [{ ...RESULT, val_bpb: 100 }] }), options);
    expect(huge.kind === 'fail' && huge.failure.reason).toMatch(/^invalid result line: val_bpb must be at most 64 bits per byte/);
    const nul = classify(report({ resultLines: [{ ...RESULT, device: 'cpu\0' }] }), options);
    expect(nul.kind === 'fail' && nul.failure.reason).toContain('invalid result line: device must not contain the NUL character');
  });

  it('never sends a NUL in a failure reason (the API could not store it)', () => {
    const outcome = classify(report({ resultLines: [], exitCode: 1, errorLine: { code: 'runtime_error', error: 'bad\0byte' } }), options);
    expect(outcome.kind === 'fail' && outcome.failure.reason).toContain('bad\uFFFDbyte');
  });

  it('fails when the result is not the last line, or printed twice', () => {
    const after = classify(report({ lastLine: 'bye', lastLineKind: 'garbage', garbageLines: 1 }), options);
    expect(after.kind === 'fail' && after.failure.reason).toContain('not the last line');
    const twice = classify(report({ resultLines: [RESULT, RESULT] }), options);
    expect(twice.kind === 'fail' && twice.failure.reason).toContain('2 result lines');
  });

  it('fails a result followed by a non-zero exit', () => {
    const outcome = classify(report({ exitCode: 1 }), options);
    expect(outcome.kind === 'fail' && outcome.failure.reason).toContain('exited with code 1');
  });

  it('reports the script error line; config and dataset errors are not retried', () => {
    const config = classify(
      report({ exitCode: 2, resultLines: [], errorLine: { type: 'error', code: 'invalid_config', error: 'unknown keys [x]' }, lastLineKind: 'error' }),
      options,
    );
    expect(config).toMatchObject({ kind: 'fail', failure: { retryable: false } });
    expect(config.kind === 'fail' && config.failure.reason).toContain('script error (invalid_config): unknown keys [x]');
    const diverged = classify(report({ exitCode: 1, resultLines: [], errorLine: { type: 'error', code: 'diverged', error: 'nan' } }), options);
    expect(diverged).toMatchObject({ kind: 'fail', failure: { retryable: true } });
  });

  it('names the kill at budget + grace', () => {
    const outcome = classify(
      report({ exitCode: null, signal: 'SIGKILL', resultLines: [], termSentAtS: 3, killSentAtS: 18, lastLineKind: 'progress' }),
      options,
    );
    expect(outcome.kind === 'fail' && outcome.failure.reason).toContain('killed at budget_s + 15 s (18 s)');
  });

  it('tells a script that reported but did not exit by the budget from one that never reported', () => {
    const outcome = classify(report({ exitCode: null, signal: 'SIGTERM', termSentAtS: 3 }), options);
    expect(outcome.kind === 'fail' && outcome.failure.reason).toContain('printed its result line but was still running at budget_s = 3 s');
  });

  it('explains a script that died of the SIGTERM at the budget', () => {
    const outcome = classify(report({ exitCode: null, signal: 'SIGTERM', resultLines: [], termSentAtS: 3 }), options);
    expect(outcome.kind === 'fail' && outcome.failure.reason).toContain('must catch SIGTERM');
  });

  it('quotes garbage and the last stderr line, keeping both tails', () => {
    const outcome = classify(
      report({ resultLines: [], lastLine: 'hello world', lastLineKind: 'garbage', garbageLines: 1, stderrTail: 'a\nTraceback: boom\n' }),
      options,
    );
    expect(outcome.kind).toBe('fail');
    if (outcome.kind !== 'fail') return;
    expect(outcome.failure.reason).toContain('not a JSON result line: hello world');
    expect(outcome.failure.reason).toContain('stderr: Traceback: boom');
    expect(outcome.failure.stderrTail).toBe('a\nTraceback: boom\n');
  });

  it('reports a spawn failure', () => {
    const outcome = classify(report({ spawnError: 'ENOENT: spawn /nope', exitCode: null, resultLines: [] }), options);
    expect(outcome.kind === 'fail' && outcome.failure.reason).toContain('could not start Python');
  });

  it('caps the reason at 2000 characters', () => {
    const outcome = classify(report({ resultLines: [], exitCode: 1, errorLine: { code: 'runtime_error', error: 'x'.repeat(5000) } }), options);
    expect(outcome.kind === 'fail' && outcome.failure.reason.length).toBeLessThanOrEqual(2000);
  });

  it('says when the interpreter ended before it was handed the task (a sandbox that failed to start)', () => {
    const outcome = classify(
      report({ startedAtMs: null, readyAtMs: null, exitCode: 1, resultLines: [], stderrTail: "bwrap: Can't find source path /x: No such file or directory\n" }),
      options,
    );
    expect(outcome.kind === 'fail' && outcome.failure.reason).toBe(
      "the interpreter exited with code 1 before the script was started — stderr: bwrap: Can't find source path /x: No such file or directory",
    );
  });

  it('names a preload that failed before the handoff', () => {
    const outcome = classify(report({ startedAtMs: null, exitCode: 0, resultLines: [], preloadError: 'ImportError: libblas.so.3', stderrTail: '' }), options);
    expect(outcome.kind === 'fail' && outcome.failure.reason).toContain('importing the preloaded modules failed: ImportError: libblas.so.3');
  });

  it('says when the interpreter never took the handoff', () => {
    const outcome = classify(report({ startedAtMs: null, startTimedOut: true, signal: 'SIGKILL', exitCode: null, resultLines: [] }), options);
    expect(outcome.kind === 'fail' && outcome.failure.reason).toContain('did not start the script after the handoff');
  });

  it('names the file size limit when a script is killed by SIGXFSZ', () => {
    const outcome = classify(report({ exitCode: null, signal: 'SIGXFSZ', resultLines: [], stderrTail: '' }), options);
    expect(outcome.kind === 'fail' && outcome.failure.reason).toBe("was killed by SIGXFSZ: it wrote a file larger than the task's file size limit of 64 MiB");
  });

  it('names the memory limit when a script ran out of memory', () => {
    const outcome = classify(report({ exitCode: 1, resultLines: [], lastLineKind: null, stderrTail: 'Traceback (most recent call last):\nMemoryError\n' }), options);
    expect(outcome.kind === 'fail' && outcome.failure.reason).toBe(
      "exited with code 1 without printing a result line (the task's memory limit is 512 MiB) — stderr: MemoryError",
    );
  });

  it('names the process limit when a script could not fork', () => {
    const stderrTail = 'Traceback (most recent call last):\nBlockingIOError: [Errno 11] Resource temporarily unavailable\n';
    const outcome = classify(report({ exitCode: 1, resultLines: [], lastLineKind: null, stderrTail }), options);
    expect(outcome.kind === 'fail' && outcome.failure.reason).toContain('(the task may run at most 260 processes and threads)');
  });
});
